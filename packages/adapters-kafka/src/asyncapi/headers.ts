import { CLOUDEVENTS_SOURCE, PUBLISHED_TOPICS } from '@oms/domain';
import { z } from 'zod';

const eventTypes = Object.keys(PUBLISHED_TOPICS) as [keyof typeof PUBLISHED_TOPICS];

/** The headers of every published message (spec §3): content type, CloudEvents binary mode, trace context. */
export const PublishedHeadersSchema = z
  .object({
    'content-type': z.literal('application/json'),
    ce_specversion: z.literal('1.0'),
    ce_id: z.string().meta({ format: 'uuid' }),
    ce_type: z.enum(eventTypes),
    ce_source: z.literal(CLOUDEVENTS_SOURCE),
    ce_time: z.string().meta({ format: 'date-time' }),
    ce_subject: z.string().meta({ format: 'uuid', description: 'the order id' }).optional(),
    'oms-stream-version': z.string().regex(/^\d+$/).meta({
      description: 'the order stream version of the stored event (ordering and de-duplication)',
    }),
    'oms-position': z
      .string()
      .regex(/^\d+$/)
      .meta({ description: 'the global position of the stored event in the event store' }),
    traceparent: z
      .string()
      .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
      .meta({ description: 'W3C trace context of the command, when one was known' })
      .optional(),
  })
  .meta({ id: 'PublishedHeaders' });

/**
 * Headers the consumer reads from inbound messages: all optional (a warehouse's plain message has none). The
 * `oms-*` headers are this service's own, on what it publishes; an inbound message need not carry them.
 */
export const InboundHeadersSchema = z
  .object({
    traceparent: z
      .string()
      .meta({ description: 'W3C trace context: the command runs in this trace' })
      .optional(),
    'correlation-id': z
      .string()
      .meta({ description: "stored as the events' correlationId (default: the envelope eventId)" })
      .optional(),
  })
  .meta({ id: 'InboundHeaders' });

/** Headers added to a dead-lettered message (the original headers are kept beside them). */
export const DeadLetterHeadersSchema = z
  .object({
    'x-dlq-code': z.string().meta({
      description:
        'why: malformed-json, validation-failed, order-not-found, invalid-state-transition, ...',
    }),
    'x-dlq-reason': z.string(),
    'x-dlq-source-topic': z.string(),
    'x-dlq-source-partition': z.string().regex(/^\d+$/),
    'x-dlq-source-offset': z.string().regex(/^\d+$/),
    'x-dlq-consumer-group': z.string(),
    'x-dlq-failed-at': z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'DeadLetterHeaders' });
