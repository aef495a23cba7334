import { orderFixtures } from '@oms/domain/fixtures';
import { describe, expect, it } from 'vitest';
import { toOrderRequest } from './commandRequest.js';
import { loadConfig } from './config.js';

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

describe('holds and payments from the CLI (spec §6)', () => {
  it('builds PlaceHold, ReleaseHold (--hold) and RecordPayment; a ReleaseHold without --hold is refused', () => {
    expect(
      toOrderRequest('PlaceHold', { orderId: ORDER }, { reason: 'MANUAL' })._unsafeUnwrap(),
    ).toEqual({ type: 'PlaceHold', orderId: ORDER, input: { reason: 'MANUAL' } });
    expect(
      toOrderRequest('ReleaseHold', { orderId: ORDER, holdId: 'h1' }, {})._unsafeUnwrap(),
    ).toEqual({ type: 'ReleaseHold', orderId: ORDER, holdId: 'h1' });
    expect(toOrderRequest('ReleaseHold', { orderId: ORDER }, {})._unsafeUnwrapErr()).toMatchObject({
      errors: [{ path: 'hold' }],
    });
    expect(
      toOrderRequest(
        'RecordPayment',
        { orderId: ORDER },
        { paymentId: 'p', amount: { amount: '1', currencyCode: 'USD' }, status: 'CAPTURED' },
      )._unsafeUnwrap(),
    ).toMatchObject({ type: 'RecordPayment', input: { status: 'CAPTURED' } });
  });

  it('reads OMS_CONFIRM_REQUIRES_PAYMENT as a flag, off by default', () => {
    const base = { DATABASE_URL: 'postgres://localhost/oms' };
    expect(loadConfig(base).OMS_CONFIRM_REQUIRES_PAYMENT).toBe(false);
    expect(
      loadConfig({ ...base, OMS_CONFIRM_REQUIRES_PAYMENT: 'true' }).OMS_CONFIRM_REQUIRES_PAYMENT,
    ).toBe(true);
  });
});
