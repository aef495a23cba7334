import { err, ok } from 'neverthrow';
import { compareAmounts } from '../shared/amounts.js';
import type { OrderCommand, OrderCommandOf } from './order.commands.js';
import { holdNotFound, onHold, orderNotFound, validationFailed } from './order.errors.js';
import type { OrderEvent, OrderEventOf } from './order.events.js';
import { fold } from './order.evolve.js';
import {
  COMMAND_ACTIONS,
  type DecideOptions,
  type Decision,
  mixedCurrencies,
  whenIn,
} from './order.guards.js';
import { AWAITING_PAYMENT_HOLD_ID, type Hold, SYSTEM_ACTOR } from './order.holds.js';
import { coveredAmount, isPaid } from './order.payments.js';
import type { Order, OrderState } from './order.state.js';

const actorOf = (command: OrderCommand): string => command.metadata.actor ?? SYSTEM_ACTOR;

/** The statuses a hold can be placed in: where it blocks something (never a terminal one, spec §6). */
const HOLDABLE = ['DRAFT', 'CONFIRMED', 'PARTIALLY_SHIPPED'] as const;

const released = (order: Order, hold: Hold, command: OrderCommand): OrderEvent => ({
  type: 'order.hold_released',
  data: {
    orderId: order.id,
    holdId: hold.holdId,
    reason: hold.reason,
    releasedAt: command.metadata.now,
    releasedBy: actorOf(command),
  },
});

/** The releases of every active hold: a cancel leaves no hold behind (no hold in a terminal state). */
export const releaseAll = (order: Order, command: OrderCommand): OrderEvent[] =>
  order.holds.map((hold) => released(order, hold, command));

const isKnownHold = (order: Order, holdId: string): boolean =>
  order.holds.some((hold) => hold.holdId === holdId) || order.releasedHoldIds.includes(holdId);

export const placeHold = (command: OrderCommandOf<'PlaceHold'>, state: OrderState): Decision => {
  const { data } = command;
  // the same hold id again is a no-op, in any state after it (a retried request, a redelivered message)
  if (state.status !== 'NONE' && isKnownHold(state, data.holdId)) return ok([]);
  return whenIn(command, state, HOLDABLE, (order) =>
    ok([
      {
        type: 'order.hold_placed',
        data: {
          orderId: order.id,
          holdId: data.holdId,
          reason: data.reason,
          ...(data.note === undefined ? {} : { note: data.note }),
          placedAt: command.metadata.now,
          placedBy: actorOf(command),
        },
      },
    ]),
  );
};

export const releaseHold = (
  command: OrderCommandOf<'ReleaseHold'>,
  state: OrderState,
): Decision => {
  if (state.status === 'NONE') return err(orderNotFound(command.data.orderId));
  const hold = state.holds.find((active) => active.holdId === command.data.holdId);
  if (hold) return ok([released(state, hold, command)]);
  if (state.releasedHoldIds.includes(command.data.holdId)) return ok([]);
  return err(holdNotFound(command.data.holdId));
};

/**
 * Confirm (spec §2, §6): refused while a hold is active. Under `confirmRequiresPayment`, an order not yet paid gets
 * the `AWAITING_PAYMENT` hold instead (once: a second confirm is a no-op), unless that hold was released by hand
 * before (the payment waived).
 */
export const confirmOrder = (
  command: OrderCommandOf<'ConfirmOrder'>,
  state: OrderState,
  options: DecideOptions,
): Decision =>
  whenIn(command, state, ['DRAFT'], (order) => {
    const awaitsPayment =
      options.confirmRequiresPayment === true &&
      !isPaid(order.paymentStatus) &&
      !order.releasedHoldIds.includes(AWAITING_PAYMENT_HOLD_ID);
    const blocking = order.holds.filter(
      (hold) => !(awaitsPayment && hold.holdId === AWAITING_PAYMENT_HOLD_ID),
    );
    if (blocking.length > 0) return err(onHold(order.holds, COMMAND_ACTIONS.ConfirmOrder));
    if (awaitsPayment)
      return ok(
        order.holds.length > 0
          ? []
          : [
              {
                type: 'order.hold_placed',
                data: {
                  orderId: order.id,
                  holdId: AWAITING_PAYMENT_HOLD_ID,
                  reason: 'AWAITING_PAYMENT',
                  note: 'the order is confirmed once its payment is authorized',
                  placedAt: command.metadata.now,
                  placedBy: actorOf(command),
                },
              },
            ],
      );
    return ok([
      { type: 'order.confirmed', data: { orderId: order.id, confirmedAt: command.metadata.now } },
    ]);
  });

/** A duplicate (same status and amount again), or an authorization arriving after the capture of that payment. */
const samePayment = (
  order: Order,
  recorded: OrderEventOf<'order.payment_recorded'>['data'],
): boolean => {
  const current = order.payments.find((payment) => payment.paymentId === recorded.paymentId);
  if (current === undefined) return false;
  if (current.status === 'CAPTURED' && recorded.status === 'AUTHORIZED') return true;
  return current.status === recorded.status && current.amount.amount === recorded.amount.amount;
};

/**
 * What a payment record causes once recorded: a paid order has its `AWAITING_PAYMENT` holds released, and when one
 * of them was a confirm's (and no other hold remains), the order is confirmed, all in the same append.
 */
const afterPayment = (order: Order, paid: Order, command: OrderCommand): OrderEvent[] => {
  if (!isPaid(paid.paymentStatus)) return [];
  const awaiting = paid.holds.filter((hold) => hold.reason === 'AWAITING_PAYMENT');
  const remaining = paid.holds.length - awaiting.length;
  const confirms =
    paid.status === 'DRAFT' &&
    remaining === 0 &&
    awaiting.some((hold) => hold.holdId === AWAITING_PAYMENT_HOLD_ID);
  return [
    ...awaiting.map((hold) => released(order, hold, command)),
    ...(confirms
      ? [
          {
            type: 'order.confirmed' as const,
            data: { orderId: order.id, confirmedAt: command.metadata.now },
          },
        ]
      : []),
  ];
};

/** The payment events of a command, given the order they apply to (also a create's `payment`). */
export const paymentEvents = (
  order: Order,
  payment: Omit<OrderEventOf<'order.payment_recorded'>['data'], 'orderId' | 'recordedAt'>,
  command: OrderCommand,
): Decision => {
  if (payment.amount.currencyCode !== order.currencyCode)
    return err(
      mixedCurrencies(
        [order.currencyCode, payment.amount.currencyCode],
        "a payment must be in the order's currency",
      ),
    );
  const recorded: OrderEventOf<'order.payment_recorded'> = {
    type: 'order.payment_recorded',
    data: {
      orderId: order.id,
      paymentId: payment.paymentId,
      amount: { amount: payment.amount.amount, currencyCode: payment.amount.currencyCode },
      ...(payment.provider === undefined ? {} : { provider: payment.provider }),
      status: payment.status,
      recordedAt: command.metadata.now,
    },
  };
  if (samePayment(order, recorded.data)) return ok([]);
  const paid = fold([recorded], order);
  if (paid.status === 'NONE') return ok([]);
  return ok([recorded, ...afterPayment(order, paid, command)]);
};

export const recordPayment = (
  command: OrderCommandOf<'RecordPayment'>,
  state: OrderState,
): Decision => {
  if (state.status === 'NONE') return err(orderNotFound(command.data.orderId));
  const { orderId: _orderId, ...payment } = command.data;
  return paymentEvents(state, payment, command);
};

const CHANGES_COVER_OR_TOTAL: ReadonlySet<string> = new Set([
  'order.payment_recorded',
  'order.line_removed',
  'order.line_quantity_changed',
]);

/**
 * Spec §6: what is authorized or captured never exceeds the order total, neither when a payment is recorded nor
 * when a draft edit lowers the total under what is already paid.
 */
export const paymentsFit = (
  events: readonly OrderEvent[],
  state: OrderState,
  command: OrderCommand,
): Decision => {
  if (!events.some((event) => CHANGES_COVER_OR_TOTAL.has(event.type))) return ok([...events]);
  const after = fold(events, state);
  if (after.status === 'NONE') return ok([...events]);
  const covered = coveredAmount(after.payments);
  if (compareAmounts(covered, after.orderTotal.amount) <= 0) return ok([...events]);
  const path =
    command.type === 'CreateOrder'
      ? 'payment.amount'
      : command.type === 'RecordPayment'
        ? 'amount'
        : 'orderTotal';
  const message = `authorized and captured payments (${covered}) would exceed the order total (${after.orderTotal.amount})`;
  return err(validationFailed([{ path, message }]));
};
