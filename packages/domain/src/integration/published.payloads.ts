import type { OrderEvent } from '../order/order.events.js';
import type { Order, OrderState } from '../order/order.state.js';
import { toOrderView } from '../order/order.view.js';
import type { PublishedEventType } from './published.schemas.js';

const activeHolds = (order: Order) =>
  order.holds.map((hold) => ({ holdId: hold.holdId, reason: hold.reason }));

/** The published event of a stored one and its payload (spec §3, §6); none for draft edits. */
export const payloadOf = (
  event: OrderEvent,
  before: OrderState,
  after: Order,
): [PublishedEventType, unknown] | undefined => {
  switch (event.type) {
    case 'order.created':
    case 'order.confirmed':
      return [event.type, toOrderView(after)];
    case 'order.cancelled':
      return [
        'order.cancelled',
        {
          orderId: event.data.orderId,
          reason: event.data.reason,
          previousStatus: event.data.previousStatus,
          cancelledAt: event.data.cancelledAt,
        },
      ];
    case 'order.shipped': {
      const skus = new Map(after.lines.map((line) => [line.lineId, line.sku]));
      return [
        'order.shipped',
        {
          orderId: event.data.orderId,
          shipmentId: event.data.shipmentId,
          carrier: event.data.carrier ?? null,
          trackingNumber: event.data.trackingNumber ?? null,
          lines: event.data.lines.map((line) => ({ ...line, sku: skus.get(line.lineId) ?? '' })),
          shippedAt: event.data.shippedAt,
          orderStatus: event.data.orderStatus,
        },
      ];
    }
    case 'order.delivered':
      return [
        'order.delivered',
        { orderId: event.data.orderId, deliveredAt: event.data.deliveredAt },
      ];
    case 'order.hold_placed':
      return [
        'order.hold_placed',
        {
          orderId: event.data.orderId,
          holdId: event.data.holdId,
          reason: event.data.reason,
          ...(event.data.note === undefined ? {} : { note: event.data.note }),
          at: event.data.placedAt,
          activeHolds: activeHolds(after),
        },
      ];
    case 'order.hold_released': {
      const released =
        before.status === 'NONE'
          ? undefined
          : before.holds.find((hold) => hold.holdId === event.data.holdId);
      return [
        'order.hold_released',
        {
          orderId: event.data.orderId,
          holdId: event.data.holdId,
          reason: event.data.reason,
          ...(released?.note === undefined ? {} : { note: released.note }),
          at: event.data.releasedAt,
          activeHolds: activeHolds(after),
        },
      ];
    }
    case 'order.payment_recorded':
      return [
        'order.payment_updated',
        {
          orderId: event.data.orderId,
          paymentId: event.data.paymentId,
          amount: {
            amount: event.data.amount.amount,
            currencyCode: event.data.amount.currencyCode,
          },
          ...(event.data.provider === undefined ? {} : { provider: event.data.provider }),
          status: event.data.status,
          paymentStatus: after.paymentStatus,
          at: event.data.recordedAt,
        },
      ];
    default:
      return undefined;
  }
};

/** The reason a status change carries. */
export const reasonOf = (event: OrderEvent): string | undefined =>
  event.type === 'order.cancelled' || event.type === 'order.marked_unfulfillable'
    ? event.data.reason
    : undefined;
