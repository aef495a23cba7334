import { orderFixtures } from '@oms/domain/fixtures';
import { describe, expect, it } from 'vitest';
import { commandRequest } from './commandRequest.js';

const ORDER = '01970000-0000-7000-8000-000000000001';

describe('commandRequest (the CLI translation, through the domain toOrderRequest)', () => {
  it('builds the requests the API builds, validated by the same schemas', () => {
    const create = commandRequest('CreateOrder', {}, orderFixtures.seedCreateOrderBody());
    expect(create._unsafeUnwrap()).toMatchObject({
      type: 'CreateOrder',
      input: { channel: 'DIRECT' },
    });
    expect(commandRequest('ConfirmOrder', { orderId: ORDER }, {})._unsafeUnwrap()).toEqual({
      type: 'ConfirmOrder',
      orderId: ORDER,
    });
    expect(
      commandRequest('CancelOrder', { orderId: ORDER }, { reason: 'no' })._unsafeUnwrap(),
    ).toEqual({ type: 'CancelOrder', orderId: ORDER, input: { reason: 'no' } });
  });

  it('refuses an unknown command, a missing order or line, and bad input, naming each', () => {
    expect(commandRequest('Explode', {}, {})._unsafeUnwrapErr()).toMatchObject({
      errors: [{ path: 'command' }],
    });
    expect(commandRequest('ConfirmOrder', {}, {})._unsafeUnwrapErr()).toMatchObject({
      errors: [{ path: 'orderId' }],
    });
    expect(commandRequest('RemoveLine', { orderId: ORDER }, {})._unsafeUnwrapErr()).toMatchObject({
      errors: [{ path: 'lineId' }],
    });
    expect(
      commandRequest('CancelOrder', { orderId: ORDER }, { reason: '' })._unsafeUnwrapErr().code,
    ).toBe('validation-failed');
  });
});
