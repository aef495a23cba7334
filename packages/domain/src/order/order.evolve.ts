import { sumAmounts, timesAmount } from '../shared/amounts.js';
import type { Money } from '../shared/money.js';
import { eventTime, isOrderEventType, type OrderEvent, type StoredLine } from './order.events.js';
import { type Payment, paymentStatusOf } from './order.payments.js';
import type { Order, OrderData, OrderLine, OrderState } from './order.state.js';
import type { UnknownEvent } from './order.upcast.js';

/** Totals from stored data, unchecked so that folding never fails: `decide` refuses totals that break the rules. */
const lineTotal = (unitPrice: Money, quantity: number): Money => ({
  amount: timesAmount(unitPrice.amount, quantity),
  currencyCode: unitPrice.currencyCode,
});

const orderTotal = (lines: readonly OrderLine[], currencyCode: string): Money => ({
  amount: sumAmounts(lines.map((line) => line.lineTotal.amount)),
  currencyCode,
});

const toLine = (line: StoredLine, shippedQuantity = 0): OrderLine => {
  const unitPrice: Money = {
    amount: timesAmount(line.unitPrice.amount, 1),
    currencyCode: line.unitPrice.currencyCode,
  };
  return {
    lineId: line.lineId,
    sku: line.sku,
    productName: line.productName,
    quantity: line.quantity,
    unitPrice,
    lineTotal: lineTotal(unitPrice, line.quantity),
    shippedQuantity,
  };
};

const withLines = <S extends Order>(state: S, lines: readonly OrderLine[]): S => ({
  ...state,
  lines,
  orderTotal: orderTotal(lines, state.currencyCode),
});

const setQuantity = (line: OrderLine, quantity: number): OrderLine => ({
  ...line,
  quantity,
  lineTotal: lineTotal(line.unitPrice, quantity),
});

const confirmedAtOr = (state: Order, fallback: string): string =>
  ('confirmedAt' in state ? state.confirmedAt : undefined) ?? fallback;

/**
 * Skips an event this version cannot read: the state stays as it was, its version still counts the event, and the
 * event is remembered in `unknownEvents` so that `decide` refuses to act on a state it does not fully know.
 */
export const skipUnknownEvent = (state: OrderState, unknown: UnknownEvent): OrderState => ({
  ...state,
  version: state.version + 1,
  unknownEvents: [...(state.unknownEvents ?? []), unknown],
});

/**
 * Applies one event to the state. Pure, never throws: events that do not fit the state leave it unchanged but for
 * the version; an event of a type this version does not know is skipped (`skipUnknownEvent`). Stored events are
 * read through `toDomainEvent` / `evolveStored` (order.upcast.ts), which upcast them first.
 */
export const evolve = (state: OrderState, event: OrderEvent): OrderState => {
  if (!isOrderEventType(event.type))
    return skipUnknownEvent(state, {
      type: String(event.type),
      schemaVersion: 1,
      reason: 'unknown-type',
    });
  const version = state.version + 1;
  const updatedAt = eventTime(event);
  if (event.type === 'order.created') {
    const { data } = event;
    const lines = data.lines.map((line) => toLine(line));
    const created: OrderData = {
      id: data.orderId,
      channel: data.channel,
      ...(data.externalId === undefined ? {} : { externalId: data.externalId }),
      customer: data.customer,
      shippingAddress: data.shippingAddress,
      billingAddress: data.billingAddress,
      lines,
      currencyCode: data.currencyCode,
      orderTotal: orderTotal(lines, data.currencyCode),
      placedAt: data.placedAt,
      shipments: [],
      metadata: data.metadata,
      paymentStatus: 'PENDING',
      payments: [],
      holds: [],
      releasedHoldIds: [],
      version,
      createdAt: data.createdAt,
      updatedAt,
      ...(state.unknownEvents === undefined ? {} : { unknownEvents: state.unknownEvents }),
    };
    return { ...created, status: 'DRAFT' };
  }
  if (state.status === 'NONE') return state;
  const next = { ...state, version, updatedAt };
  switch (event.type) {
    case 'order.line_added':
      return withLines(next, [...next.lines, toLine(event.data.line)]);
    case 'order.line_removed':
      return withLines(
        next,
        next.lines.filter((line) => line.lineId !== event.data.lineId),
      );
    case 'order.line_quantity_changed':
      return withLines(
        next,
        next.lines.map((line) =>
          line.lineId === event.data.lineId ? setQuantity(line, event.data.quantity) : line,
        ),
      );
    case 'order.shipping_address_changed':
      return { ...next, shippingAddress: event.data.shippingAddress };
    case 'order.confirmed':
      return { ...next, status: 'CONFIRMED', confirmedAt: event.data.confirmedAt };
    case 'order.cancelled':
      return {
        ...next,
        status: 'CANCELLED',
        cancelledAt: event.data.cancelledAt,
        cancellationReason: event.data.reason,
        cancellationReasonCode: event.data.reasonCode,
      };
    case 'order.shipped': {
      const shipped = new Map(event.data.lines.map((line) => [line.lineId, line.quantity]));
      const lines = next.lines.map((line) => {
        const quantity = shipped.get(line.lineId);
        return quantity === undefined
          ? line
          : { ...line, shippedQuantity: line.shippedQuantity + quantity };
      });
      const { orderId: _orderId, orderStatus, ...shipment } = event.data;
      return {
        ...next,
        status: orderStatus,
        confirmedAt: confirmedAtOr(next, shipment.shippedAt),
        lines,
        shipments: [...next.shipments, shipment],
      };
    }
    case 'order.marked_unfulfillable':
      return {
        ...next,
        status: 'UNFULFILLABLE',
        confirmedAt: confirmedAtOr(next, event.data.unfulfillableAt),
        unfulfillableAt: event.data.unfulfillableAt,
        unfulfillableReason: event.data.reason,
      };
    case 'order.delivered':
      return {
        ...next,
        status: 'DELIVERED',
        confirmedAt: confirmedAtOr(next, event.data.deliveredAt),
        deliveredAt: event.data.deliveredAt,
      };
    case 'order.completed':
      return {
        ...next,
        status: 'COMPLETED',
        confirmedAt: confirmedAtOr(next, event.data.completedAt),
        deliveredAt: 'deliveredAt' in next ? next.deliveredAt : event.data.completedAt,
        completedAt: event.data.completedAt,
      };
    case 'order.hold_placed': {
      const { orderId: _orderId, ...hold } = event.data;
      return { ...next, holds: [...next.holds.filter((h) => h.holdId !== hold.holdId), hold] };
    }
    case 'order.hold_released':
      return {
        ...next,
        holds: next.holds.filter((hold) => hold.holdId !== event.data.holdId),
        releasedHoldIds: [
          ...next.releasedHoldIds.filter((holdId) => holdId !== event.data.holdId),
          event.data.holdId,
        ],
      };
    case 'order.payment_recorded': {
      const { data } = event;
      const payment: Payment = {
        paymentId: data.paymentId,
        amount: { amount: data.amount.amount, currencyCode: data.amount.currencyCode },
        ...(data.provider === undefined ? {} : { provider: data.provider }),
        status: data.status,
        at: data.recordedAt,
      };
      const known = next.payments.some((p) => p.paymentId === payment.paymentId);
      const payments = known
        ? next.payments.map((p) => (p.paymentId === payment.paymentId ? payment : p))
        : [...next.payments, payment];
      return { ...next, payments, paymentStatus: paymentStatusOf(payments) };
    }
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
};

export const fold = (
  events: readonly OrderEvent[],
  state: OrderState = { status: 'NONE', version: 0 },
): OrderState => events.reduce(evolve, state);
