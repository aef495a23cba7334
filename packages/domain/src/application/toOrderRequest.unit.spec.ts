import { describe, expect, it } from 'vitest';
import { orderFixtures } from '../testing/fixtures.js';
import { ORDER_INPUT_SCHEMAS } from './orderRequests.js';
import { isOrderCommandType, toOrderRequest } from './toOrderRequest.js';

const ORDER = '01970000-0000-7000-8000-000000000001';
const LINE = '01970000-0000-7000-8000-000000000002';

describe('toOrderRequest (every entry point builds its requests here)', () => {
  it('builds each command from its target and its validated input', () => {
    const create = toOrderRequest('CreateOrder', {}, orderFixtures.seedCreateOrderBody());
    expect(create._unsafeUnwrap()).toMatchObject({
      type: 'CreateOrder',
      input: { channel: 'DIRECT' },
    });
    expect(create._unsafeUnwrap()).not.toHaveProperty('orderId');
    expect(
      toOrderRequest(
        'CreateOrder',
        { orderId: ORDER },
        orderFixtures.seedCreateOrderBody(),
      )._unsafeUnwrap(),
    ).toMatchObject({ type: 'CreateOrder', orderId: ORDER });
    expect(toOrderRequest('ConfirmOrder', { orderId: ORDER }, {})._unsafeUnwrap()).toEqual({
      type: 'ConfirmOrder',
      orderId: ORDER,
    });
    expect(
      toOrderRequest('CancelOrder', { orderId: ORDER }, { reason: 'no' })._unsafeUnwrap(),
    ).toEqual({
      type: 'CancelOrder',
      orderId: ORDER,
      input: { reason: 'no' },
    });
    expect(
      toOrderRequest(
        'ChangeLineQuantity',
        { orderId: ORDER, lineId: LINE },
        { quantity: 2 },
      )._unsafeUnwrap(),
    ).toEqual({ type: 'ChangeLineQuantity', orderId: ORDER, lineId: LINE, input: { quantity: 2 } });
    expect(
      toOrderRequest('RemoveLine', { orderId: ORDER, lineId: LINE }, {})._unsafeUnwrap(),
    ).toEqual({
      type: 'RemoveLine',
      orderId: ORDER,
      lineId: LINE,
    });
  });

  it('names every command type, and only those', () => {
    for (const type of Object.keys(ORDER_INPUT_SCHEMAS))
      expect(isOrderCommandType(type)).toBe(true);
    expect(isOrderCommandType('Explode')).toBe(false);
    expect(isOrderCommandType('toString')).toBe(false);
  });

  it('reports a missing or bad target, bad fields and unstorable text together, once each', () => {
    expect(toOrderRequest('ConfirmOrder', {}, {})._unsafeUnwrapErr()).toMatchObject({
      code: 'validation-failed',
      errors: [{ path: 'orderId' }],
    });
    expect(
      toOrderRequest('ConfirmOrder', { orderId: 'nope' }, {})._unsafeUnwrapErr(),
    ).toMatchObject({
      errors: [{ path: 'orderId' }],
    });
    expect(toOrderRequest('RemoveLine', { orderId: ORDER }, {})._unsafeUnwrapErr()).toMatchObject({
      errors: [{ path: 'lineId' }],
    });
    const all = toOrderRequest(
      'ChangeLineQuantity',
      {},
      { quantity: 0, note: 'bad\u0000' },
    )._unsafeUnwrapErr() as unknown as { errors: { path: string }[] };
    expect(all.errors.map((error) => error.path).sort()).toEqual(
      expect.arrayContaining(['orderId', 'lineId', 'quantity', 'note']),
    );
    // A field both invalid and unstorable is named once.
    const once = toOrderRequest(
      'CancelOrder',
      { orderId: ORDER },
      { reason: '\u0000'.repeat(2_000) },
    )._unsafeUnwrapErr() as unknown as { errors: { path: string }[] };
    expect(once.errors.filter((error) => error.path === 'reason')).toHaveLength(1);
    // Valid by the schema, unstorable by the store: refused too.
    expect(
      toOrderRequest(
        'CancelOrder',
        { orderId: ORDER },
        { reason: 'odd \uD800' },
      )._unsafeUnwrapErr(),
    ).toMatchObject({ errors: [{ path: 'reason' }] });
  });
});
