import * as z from 'zod';
import type { RecordedEvent } from '../application/ports/eventStore.port.js';
import type { OrderEvent } from '../order/order.events.js';
import type { Order, OrderState } from '../order/order.state.js';
import { ORDER_STATUSES } from '../order/order.status.js';
import { toDomainEvent } from '../order/order.upcast.js';
import { OrderViewSchema, toOrderView } from '../order/order.view.js';
import { sha256Hex } from '../shared/hash.js';

export const PUBLISHED_TOPICS = {
  'order.created': 'oms.orders.created',
  'order.confirmed': 'oms.orders.confirmed',
  'order.cancelled': 'oms.orders.cancelled',
  'order.shipped': 'oms.orders.shipped',
  'order.delivered': 'oms.orders.delivered',
  'order.status_changed': 'oms.orders.status-changed',
} as const;
export type PublishedEventType = keyof typeof PUBLISHED_TOPICS;
/** Every published topic once (a topic may carry several event types). */
export const PUBLISHED_TOPIC_NAMES: readonly string[] = [
  ...new Set(Object.values(PUBLISHED_TOPICS)),
];

export const CLOUDEVENTS_SOURCE = '/oms/order-intake';

const time = z.string().meta({ format: 'date-time' });
const status = z.enum(ORDER_STATUSES);

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
} as const;

export const envelopeSchema = <T extends z.ZodTypeAny>(eventType: string, payload: T) =>
  z.object({
    eventId: z.string().meta({ format: 'uuid' }),
    eventType: z.literal(eventType),
    aggregateId: z.string().meta({ format: 'uuid' }),
    aggregateType: z.literal('Order'),
    occurredAt: time,
    version: z.number().int(),
    payload,
  });

export interface IntegrationEnvelope {
  readonly eventId: string;
  readonly eventType: PublishedEventType;
  readonly aggregateId: string;
  readonly aggregateType: 'Order';
  readonly occurredAt: string;
  readonly version: number;
  readonly payload: unknown;
}

/** A message ready for the broker: the Kafka package only transports it. */
export interface IntegrationMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: IntegrationEnvelope;
  readonly headers: Readonly<Record<string, string>>;
  /** The stored event it came from. */
  readonly sourcePosition: number;
}

/** A stable id for a published event derived from a stored one (a republished message keeps its id). */
export const derivedEventId = (eventId: string, suffix: string): string => {
  const hash = sha256Hex(`${eventId}/${suffix}`);
  return `${eventId.slice(0, 8)}-${eventId.slice(9, 13)}-7${hash.slice(0, 3)}-${((Number.parseInt(hash.slice(3, 4), 16) & 0x3) | 0x8).toString(16)}${hash.slice(4, 7)}-${hash.slice(7, 19)}`;
};

const payloadOf = (event: OrderEvent, after: Order): [PublishedEventType, unknown] | undefined => {
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
    default:
      return undefined;
  }
};

const reasonOf = (event: OrderEvent): string | undefined =>
  event.type === 'order.cancelled' || event.type === 'order.marked_unfulfillable'
    ? event.data.reason
    : undefined;

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
};

const message = (
  recorded: RecordedEvent,
  eventId: string,
  eventType: PublishedEventType,
  payload: unknown,
): IntegrationMessage => {
  const value: IntegrationEnvelope = {
    eventId,
    eventType,
    aggregateId: recorded.streamId,
    aggregateType: 'Order',
    occurredAt: recorded.occurredAt,
    // the published payload's schema version (spec §3: `"version": 1` on order.confirmed), not the stream version
    version: PUBLISHED_SCHEMA_VERSIONS[eventType],
    payload,
  };
  return {
    topic: PUBLISHED_TOPICS[eventType],
    key: recorded.streamId,
    value,
    headers: {
      'content-type': 'application/json',
      ce_specversion: '1.0',
      ce_id: eventId,
      ce_type: eventType,
      ce_source: CLOUDEVENTS_SOURCE,
      ce_time: recorded.occurredAt,
      ce_subject: recorded.streamId,
      ...(recorded.metadata.traceparent ? { traceparent: recorded.metadata.traceparent } : {}),
    },
    sourcePosition: recorded.globalPosition,
  };
};

/**
 * The integration messages of one stored event (spec §3), given the order's state before and after it. Draft
 * edits publish nothing; every status transition also publishes `order.status_changed`. The event is read through
 * `toDomainEvent` (upcast by schema version); one this version cannot read gives no message, so a publisher that
 * must not lose events checks `toDomainEvent` itself first and stops rather than skip it (as the relay does).
 */
export const toIntegrationMessages = (
  recorded: RecordedEvent,
  before: OrderState,
  after: OrderState,
): IntegrationMessage[] => {
  const read = toDomainEvent(recorded);
  if (after.status === 'NONE' || read.isErr()) return [];
  const event = read.value;
  const messages: IntegrationMessage[] = [];
  const published = payloadOf(event, after);
  if (published) messages.push(message(recorded, recorded.eventId, published[0], published[1]));
  if (before.status !== 'NONE' && before.status !== after.status) {
    const reason = reasonOf(event);
    messages.push(
      message(
        recorded,
        derivedEventId(recorded.eventId, 'status_changed'),
        'order.status_changed',
        {
          orderId: recorded.streamId,
          previousStatus: before.status,
          newStatus: after.status,
          changedAt: recorded.occurredAt,
          ...(reason === undefined ? {} : { reason }),
        },
      ),
    );
  }
  return messages;
};
