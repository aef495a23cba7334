import * as z from 'zod';
import type { RecordedEvent } from '../application/ports/eventStore.port.js';
import type { OrderState } from '../order/order.state.js';
import { toDomainEvent } from '../order/order.upcast.js';
import { sha256Hex } from '../shared/hash.js';
import { payloadOf, reasonOf } from './published.payloads.js';
import {
  PUBLISHED_SCHEMA_VERSIONS,
  PUBLISHED_TOPICS,
  type PublishedEventType,
} from './published.schemas.js';

export {
  PUBLISHED_PAYLOAD_SCHEMAS,
  PUBLISHED_SCHEMA_VERSIONS,
  PUBLISHED_TOPIC_NAMES,
  PUBLISHED_TOPICS,
  type PublishedEventType,
} from './published.schemas.js';

export const CLOUDEVENTS_SOURCE = '/oms/order-intake';

const time = z.string().meta({ format: 'date-time' });

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

/** The message of a published event: key and aggregate are the stored event's stream (the order). */
export const integrationMessage = (
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
 * edits publish nothing; holds and payments publish in any status (spec §6); every status transition also publishes `order.status_changed`. The event is read through
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
  const published = payloadOf(event, before, after);
  if (published)
    messages.push(integrationMessage(recorded, recorded.eventId, published[0], published[1]));
  if (before.status !== 'NONE' && before.status !== after.status) {
    const reason = reasonOf(event);
    messages.push(
      integrationMessage(
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
