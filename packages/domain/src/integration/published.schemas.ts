import * as z from 'zod';
import { HOLD_REASONS } from '../order/order.holds.js';
import { PAYMENT_STATUSES, RECORDED_PAYMENT_STATUSES } from '../order/order.payments.js';
import { ORDER_STATUSES } from '../order/order.status.js';
import { OrderViewSchema } from '../order/order.view.js';

export const PUBLISHED_TOPICS = {
  'order.created': 'oms.orders.created',
  'order.confirmed': 'oms.orders.confirmed',
  'order.cancelled': 'oms.orders.cancelled',
  'order.shipped': 'oms.orders.shipped',
  'order.delivered': 'oms.orders.delivered',
  'order.status_changed': 'oms.orders.status-changed',
  'order.hold_placed': 'oms.orders.holds',
  'order.hold_released': 'oms.orders.holds',
  'order.payment_updated': 'oms.orders.payments',
  'order.personal_data_erased': 'oms.orders.privacy',
} as const;
export type PublishedEventType = keyof typeof PUBLISHED_TOPICS;
/** Every published topic once (a topic may carry several event types). */
export const PUBLISHED_TOPIC_NAMES: readonly string[] = [
  ...new Set(Object.values(PUBLISHED_TOPICS)),
];

const time = z.string().meta({ format: 'date-time' });
const status = z.enum(ORDER_STATUSES);
const money = z.object({ amount: z.string(), currencyCode: z.string() });
const holdPayload = (id: string) =>
  z
    .object({
      orderId: z.string(),
      holdId: z.string(),
      reason: z.enum(HOLD_REASONS),
      note: z.string().optional(),
      at: time,
      activeHolds: z
        .array(z.object({ holdId: z.string(), reason: z.enum(HOLD_REASONS) }))
        .meta({ description: 'the holds still active after this event, oldest first' }),
    })
    .meta({ id });

export const PUBLISHED_PAYLOAD_SCHEMAS = {
  'order.created': OrderViewSchema,
  'order.confirmed': OrderViewSchema,
  'order.cancelled': z
    .object({ orderId: z.string(), reason: z.string(), previousStatus: status, cancelledAt: time })
    .meta({ id: 'OrderCancelledPayload' }),
  'order.shipped': z
    .object({
      orderId: z.string(),
      shipmentId: z.string(),
      carrier: z.string().nullable(),
      trackingNumber: z.string().nullable(),
      lines: z.array(z.object({ lineId: z.string(), sku: z.string(), quantity: z.number().int() })),
      shippedAt: time,
      orderStatus: z.enum(['PARTIALLY_SHIPPED', 'SHIPPED']),
    })
    .meta({ id: 'OrderShippedPayload' }),
  'order.delivered': z
    .object({ orderId: z.string(), deliveredAt: time })
    .meta({ id: 'OrderDeliveredPayload' }),
  'order.status_changed': z
    .object({
      orderId: z.string(),
      previousStatus: status,
      newStatus: status,
      changedAt: time,
      reason: z.string().optional(),
    })
    .meta({ id: 'OrderStatusChangedPayload' }),
  'order.hold_placed': holdPayload('OrderHoldPlacedPayload'),
  'order.hold_released': holdPayload('OrderHoldReleasedPayload'),
  'order.payment_updated': z
    .object({
      orderId: z.string(),
      paymentId: z.string(),
      amount: money,
      provider: z.string().optional(),
      status: z
        .enum(RECORDED_PAYMENT_STATUSES)
        .meta({ description: 'what was recorded for this payment' }),
      paymentStatus: z
        .enum(PAYMENT_STATUSES)
        .meta({ description: "the order's payment status after it" }),
      at: time,
    })
    .meta({ id: 'OrderPaymentUpdatedPayload' }),
  'order.personal_data_erased': z
    .object({ orderId: z.string(), erasedAt: time })
    .meta({ id: 'OrderPersonalDataErasedPayload' }),
} as const;

/**
 * The schema version of each published payload (the envelope's `version`). Published contracts are versioned on
 * their own, apart from the stored events' schema versions: a stored event can evolve (order.cancelled v2 added
 * `reasonCode`) without changing what consumers receive.
 */
export const PUBLISHED_SCHEMA_VERSIONS: Readonly<Record<PublishedEventType, number>> = {
  'order.created': 1,
  'order.confirmed': 1,
  'order.cancelled': 1,
  'order.shipped': 1,
  'order.delivered': 1,
  'order.status_changed': 1,
  'order.hold_placed': 1,
  'order.hold_released': 1,
  'order.payment_updated': 1,
  'order.personal_data_erased': 1,
};
