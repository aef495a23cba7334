import { describe, expect, it } from 'vitest';
import {
  commandOf,
  commands,
  created,
  HOLD_ID,
  historyFor,
  holdPlaced,
  NOW,
  ORDER_ID,
  PAYMENT_ID,
  paymentRecorded,
} from '../../test/builders.js';
import { given } from '../testing/orderSpecification.js';
import type { OrderCommand, OrderCommandOf } from './order.commands.js';
import { decide } from './order.decide.js';
import type { OrderEvent } from './order.events.js';
import { fold } from './order.evolve.js';
import { AWAITING_PAYMENT_HOLD_ID } from './order.holds.js';
import { toOrderView } from './order.view.js';

const payment = (
  overrides: Partial<OrderCommandOf<'RecordPayment'>['data']> = {},
): OrderCommandOf<'RecordPayment'> => ({
  ...commands.RecordPayment(),
  data: { ...commands.RecordPayment().data, ...overrides },
});
const REQUIRES_PAYMENT = { confirmRequiresPayment: true } as const;
const decideWith = (history: OrderEvent[], command: OrderCommand) =>
  decide(command, fold(history), REQUIRES_PAYMENT);

describe('holds (spec §6)', () => {
  it('block confirm, ship and mark-unfulfillable with order-on-hold naming the holds', () => {
    for (const [history, type] of [
      [historyFor('DRAFT'), 'ConfirmOrder'],
      [historyFor('CONFIRMED'), 'ShipOrder'],
      [historyFor('PARTIALLY_SHIPPED'), 'ShipOrder'],
      [historyFor('CONFIRMED'), 'MarkUnfulfillable'],
    ] as const) {
      const error = decide(commandOf(type), fold([...history, holdPlaced()]))._unsafeUnwrapErr();
      expect(error).toMatchObject({
        code: 'order-on-hold',
        holds: [{ holdId: HOLD_ID, reason: 'HIGH_RISK_OF_FRAUD' }],
      });
      expect(error.message).toContain(HOLD_ID);
    }
  });

  it('do not block draft edits or cancel; a cancel releases every hold first, in the same decision', () => {
    const held = [...historyFor('DRAFT'), holdPlaced(), holdPlaced('h2', 'MANUAL')];
    for (const type of [
      'AddLine',
      'RemoveLine',
      'ChangeLineQuantity',
      'ChangeShippingAddress',
    ] as const)
      expect(decide(commandOf(type), fold(held)).isOk()).toBe(true);
    const events = given(held)
      .when(commandOf('CancelOrder'))
      .thenMatches([
        { type: 'order.hold_released', data: { holdId: HOLD_ID, releasedAt: NOW } },
        { type: 'order.hold_released', data: { holdId: 'h2', reason: 'MANUAL' } },
        { type: 'order.cancelled' },
      ]);
    expect(fold([...held, ...events])).toMatchObject({ status: 'CANCELLED', holds: [] });
  });

  it('placing the same hold id twice is a no-op, even once released; releasing it again too', () => {
    given([...historyFor('DRAFT'), holdPlaced()])
      .when(commandOf('PlaceHold'))
      .then([]);
    const released: OrderEvent = {
      type: 'order.hold_released',
      data: {
        orderId: ORDER_ID,
        holdId: HOLD_ID,
        reason: 'HIGH_RISK_OF_FRAUD',
        releasedAt: NOW,
        releasedBy: 'risk-desk',
      },
    };
    given([...historyFor('DRAFT'), holdPlaced()])
      .when(commandOf('ReleaseHold'))
      .then([released]);
    given([...historyFor('DRAFT'), holdPlaced(), released])
      .when(commandOf('PlaceHold'))
      .then([]);
    given([...historyFor('DRAFT'), holdPlaced(), released])
      .when(commandOf('ReleaseHold'))
      .then([]);
  });

  it('releasing a hold never placed is hold-not-found', () => {
    given(historyFor('CONFIRMED')).when(commandOf('ReleaseHold')).thenFails('hold-not-found');
  });

  it('are refused in SHIPPED, DELIVERED and the terminal statuses: no hold in a terminal state', () => {
    for (const status of [
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
      'CANCELLED',
      'UNFULFILLABLE',
    ] as const)
      given(historyFor(status)).when(commandOf('PlaceHold')).thenFails('invalid-state-transition');
  });

  it('show in the view with who placed them, and a released one is gone', () => {
    const state = fold([...historyFor('DRAFT'), holdPlaced()]);
    if (state.status === 'NONE') throw new Error('no order');
    const view = toOrderView(state);
    expect(view.holds).toEqual([
      {
        holdId: HOLD_ID,
        reason: 'HIGH_RISK_OF_FRAUD',
        note: null,
        placedAt: '2026-01-15T10:00:00.000Z',
        placedBy: 'risk-desk',
      },
    ]);
  });
});

describe('payments (spec §6)', () => {
  it('record the status; the order payment status follows', () => {
    const { state } = given(historyFor('DRAFT'))
      .when(payment())
      .then([
        {
          type: 'order.payment_recorded',
          data: {
            orderId: ORDER_ID,
            paymentId: PAYMENT_ID,
            amount: { amount: '89.98', currencyCode: 'USD' },
            provider: 'stripe',
            status: 'AUTHORIZED',
            recordedAt: NOW,
          },
        },
      ]);
    expect(state.status !== 'NONE' && state.paymentStatus).toBe('AUTHORIZED');
    const captured = fold([...historyFor('DRAFT'), paymentRecorded('89.98', 'CAPTURED')]);
    expect(captured.status !== 'NONE' && captured.paymentStatus).toBe('CAPTURED');
    const failed = fold([...historyFor('DRAFT'), paymentRecorded('89.98', 'FAILED')]);
    expect(failed.status !== 'NONE' && failed.paymentStatus).toBe('FAILED');
    expect(fold(historyFor('DRAFT'))).toMatchObject({ paymentStatus: 'PENDING', payments: [] });
  });

  it('never authorize or capture more than the order total (89.98), over all payments', () => {
    given(historyFor('DRAFT'))
      .when(payment({ amount: { amount: '89.99', currencyCode: 'USD' } }))
      .thenFails('validation-failed');
    given([...historyFor('DRAFT'), paymentRecorded('50', 'AUTHORIZED', 'p1')])
      .when(payment({ paymentId: 'p2', amount: { amount: '40', currencyCode: 'USD' } }))
      .thenFails('validation-failed');
    // a failed payment covers nothing
    given([...historyFor('DRAFT'), paymentRecorded('89.98', 'FAILED', 'p1')])
      .when(payment({ paymentId: 'p2' }))
      .thenMatches([{ type: 'order.payment_recorded' }]);
  });

  it('refuse a draft edit that would lower the total under what is paid', () => {
    const error = decide(
      commandOf('RemoveLine'),
      fold([...historyFor('DRAFT'), paymentRecorded('89.98')]),
    )._unsafeUnwrapErr();
    expect(error).toMatchObject({ code: 'validation-failed', errors: [{ path: 'orderTotal' }] });
  });

  it('refuse another currency with mixed-currencies', () => {
    given(historyFor('DRAFT'))
      .when(payment({ amount: { amount: '1', currencyCode: 'EUR' } }))
      .thenFails('mixed-currencies');
  });

  it('are idempotent: the same record again, or an authorization after the capture, is a no-op', () => {
    given([...historyFor('DRAFT'), paymentRecorded('89.98')])
      .when(payment({ provider: 'x' }))
      .then([]);
    given([...historyFor('DRAFT'), paymentRecorded('89.98', 'CAPTURED')])
      .when(payment())
      .then([]);
  });

  it('can be carried by a create (a checkout that already authorized), checked like any payment', () => {
    const create = commands.CreateOrder();
    const withPayment = (amount: string, currencyCode = 'USD'): OrderCommand => ({
      ...create,
      data: {
        ...create.data,
        payment: { paymentId: 'ch_1', amount: { amount, currencyCode }, status: 'CAPTURED' },
      },
    });
    const { state } = given([])
      .when(withPayment('89.98'))
      .then([
        created(),
        {
          type: 'order.payment_recorded',
          data: {
            orderId: ORDER_ID,
            paymentId: 'ch_1',
            amount: { amount: '89.98', currencyCode: 'USD' },
            status: 'CAPTURED',
            recordedAt: '2026-01-15T10:00:00.000Z',
          },
        },
      ]);
    expect(state.status !== 'NONE' && state.paymentStatus).toBe('CAPTURED');
    expect(decide(withPayment('90'), fold([]))._unsafeUnwrapErr()).toMatchObject({
      code: 'validation-failed',
      errors: [{ path: 'payment.amount' }],
    });
    given([]).when(withPayment('1', 'EUR')).thenFails('mixed-currencies');
  });
});

describe('confirm requires payment (OMS_CONFIRM_REQUIRES_PAYMENT)', () => {
  const awaiting: OrderEvent = {
    type: 'order.hold_placed',
    data: {
      orderId: ORDER_ID,
      holdId: AWAITING_PAYMENT_HOLD_ID,
      reason: 'AWAITING_PAYMENT',
      note: 'the order is confirmed once its payment is authorized',
      placedAt: NOW,
      placedBy: 'system',
    },
  };

  it('places an AWAITING_PAYMENT hold instead of confirming an unpaid order; a second confirm is a no-op', () => {
    expect(decideWith(historyFor('DRAFT'), commandOf('ConfirmOrder'))._unsafeUnwrap()).toEqual([
      awaiting,
    ]);
    expect(
      decideWith([...historyFor('DRAFT'), awaiting], commandOf('ConfirmOrder'))._unsafeUnwrap(),
    ).toEqual([]);
  });

  it('confirms a paid order at once, and without the option confirms as before', () => {
    expect(
      decideWith([...historyFor('DRAFT'), paymentRecorded()], commandOf('ConfirmOrder'))
        ._unsafeUnwrap()
        .map((event) => event.type),
    ).toEqual(['order.confirmed']);
    given(historyFor('DRAFT'))
      .when(commandOf('ConfirmOrder'))
      .then([{ type: 'order.confirmed', data: { orderId: ORDER_ID, confirmedAt: NOW } }]);
  });

  it('a payment authorization releases the hold and confirms, in one decision', () => {
    const events = decideWith([...historyFor('DRAFT'), awaiting], payment())._unsafeUnwrap();
    expect(events.map((event) => event.type)).toEqual([
      'order.payment_recorded',
      'order.hold_released',
      'order.confirmed',
    ]);
    const state = fold([...historyFor('DRAFT'), awaiting, ...events]);
    expect(state).toMatchObject({ status: 'CONFIRMED', holds: [], paymentStatus: 'AUTHORIZED' });
  });

  it('a failed payment keeps the hold; another hold keeps the order from confirming', () => {
    expect(
      decideWith([...historyFor('DRAFT'), awaiting], payment({ status: 'FAILED' }))
        ._unsafeUnwrap()
        .map((event) => event.type),
    ).toEqual(['order.payment_recorded']);
    const events = decideWith(
      [...historyFor('DRAFT'), awaiting, holdPlaced()],
      payment(),
    )._unsafeUnwrap();
    expect(events.map((event) => event.type)).toEqual([
      'order.payment_recorded',
      'order.hold_released',
    ]);
    expect(
      decideWith(
        [...historyFor('DRAFT'), holdPlaced()],
        commandOf('ConfirmOrder'),
      )._unsafeUnwrapErr(),
    ).toMatchObject({ code: 'order-on-hold', holds: [{ holdId: HOLD_ID }] });
  });

  it('releasing the AWAITING_PAYMENT hold by hand waives the payment: the next confirm goes through', () => {
    const released: OrderEvent = {
      type: 'order.hold_released',
      data: {
        orderId: ORDER_ID,
        holdId: AWAITING_PAYMENT_HOLD_ID,
        reason: 'AWAITING_PAYMENT',
        releasedAt: NOW,
        releasedBy: 'ops',
      },
    };
    expect(
      decideWith([...historyFor('DRAFT'), awaiting, released], commandOf('ConfirmOrder'))
        ._unsafeUnwrap()
        .map((event) => event.type),
    ).toEqual(['order.confirmed']);
  });
});
