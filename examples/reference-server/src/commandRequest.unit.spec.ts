import { orderFixtures } from '@oms/domain/fixtures';
import { describe, expect, it } from 'vitest';
import { toOrderRequest } from './commandRequest.js';

const ORDER = '01970000-0000-7000-8000-000000000001';

describe('toOrderRequest (the CLI translation)', () => {
  it('builds the requests the API builds, validated by the same schemas', () => {
    const create = toOrderRequest('CreateOrder', {}, orderFixtures.seedCreateOrderBody());
    expect(create._unsafeUnwrap()).toMatchObject({
      type: 'CreateOrder',
      input: { channel: 'DIRECT' },
    });
    expect(toOrderRequest('ConfirmOrder', { orderId: ORDER }, {})._unsafeUnwrap()).toEqual({
      type: 'ConfirmOrder',
      orderId: ORDER,
    });
    expect(
      toOrderRequest('CancelOrder', { orderId: ORDER }, { reason: 'no' })._unsafeUnwrap(),
    ).toEqual({ type: 'CancelOrder', orderId: ORDER, input: { reason: 'no' } });
  });

  it('refuses an unknown command, a missing order or line, and bad input, naming each', () => {
    expect(toOrderRequest('Explode', {}, {})._unsafeUnwrapErr().code).toBe('validation-failed');
    expect(toOrderRequest('ConfirmOrder', {}, {})._unsafeUnwrapErr()).toMatchObject({
      errors: [{ path: 'order' }],
    });
    expect(toOrderRequest('RemoveLine', { orderId: ORDER }, {})._unsafeUnwrapErr()).toMatchObject({
      errors: [{ path: 'line' }],
    });
    expect(
      toOrderRequest('CancelOrder', { orderId: ORDER }, { reason: '' })._unsafeUnwrapErr().code,
    ).toBe('validation-failed');
  });
});
