import {
  CONSUMER_GROUP,
  DLQ_TOPIC,
  envelopeSchema,
  INBOUND_TOPICS,
  PUBLISHED_PAYLOAD_SCHEMAS,
  PUBLISHED_TOPICS,
  type PublishedEventType,
} from '@oms/domain';
import { z } from 'zod';
import {
  DeadLetterHeadersSchema,
  InboundHeadersSchema,
  PublishedHeadersSchema,
} from './headers.js';

export interface AsyncApiOptions {
  /** Broker host(s) shown as the server (default `localhost:9092`). */
  readonly host?: string;
  readonly version?: string;
  readonly title?: string;
}

type JsonSchema = Record<string, unknown>;

const KAFKA_BINDING_VERSION = '0.5.0';
const KEY_SCHEMA = { type: 'string', format: 'uuid', description: 'the order id' };

const camel = (text: string): string =>
  text
    .split(/[^a-zA-Z0-9]+/)
    .filter((part) => part !== '')
    .map((part, index) => (index === 0 ? part : part[0]!.toUpperCase() + part.slice(1)))
    .join('');
const pascal = (text: string): string => {
  const name = camel(text);
  return name[0]!.toUpperCase() + name.slice(1);
};

/**
 * Converts zod schemas to JSON Schema (draft 7, the base of AsyncAPI's schema format) and hoists their named
 * definitions into `components.schemas`, so that a shared schema (Order, Address, ...) appears once.
 */
const createSchemaCollector = () => {
  const components: Record<string, JsonSchema> = {};
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: JsonSchema = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string' && inner.startsWith('#/definitions/'))
        out[key] = `#/components/schemas/${inner.slice('#/definitions/'.length)}`;
      else out[key] = rewrite(inner);
    }
    return out;
  };
  return {
    components,
    toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
      const {
        $schema: _,
        definitions,
        ...root
      } = z.toJSONSchema(schema, {
        target: 'draft-7',
        unrepresentable: 'any',
        io,
      }) as JsonSchema & { definitions?: Record<string, JsonSchema> };
      for (const [name, definition] of Object.entries(definitions ?? {}))
        components[name] ??= rewrite(definition) as JsonSchema;
      return rewrite(root) as JsonSchema;
    },
  };
};

/**
 * The AsyncAPI 3.0 document of Order Intake's Kafka contract: the published topics, the inbound topics and the
 * dead-letter topic, with keys, headers and payloads generated from the zod schemas that build and check the
 * messages.
 */
export const buildAsyncApiDocument = (options: AsyncApiOptions = {}): Record<string, unknown> => {
  const schemas = createSchemaCollector();
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const publishedHeaders = schemas.toSchema(PublishedHeadersSchema, 'output');
  const inboundHeaders = schemas.toSchema(InboundHeadersSchema, 'input');
  const deadLetterHeaders = schemas.toSchema(DeadLetterHeadersSchema, 'output');

  /** A channel of one topic with its messages (a topic may carry several event types) and one operation. */
  const addChannel = (
    topic: string,
    topicMessages: Readonly<Record<string, Record<string, unknown>>>,
    action: 'send' | 'receive',
    summary: string,
  ) => {
    const channelId = camel(topic);
    const names = Object.keys(topicMessages);
    Object.assign(messages, topicMessages);
    channels[channelId] = {
      address: topic,
      messages: Object.fromEntries(
        names.map((name) => [name, { $ref: `#/components/messages/${name}` }]),
      ),
      bindings: { kafka: { topic, bindingVersion: KAFKA_BINDING_VERSION } },
    };
    operations[`${action}${pascal(topic)}`] = {
      action,
      summary,
      channel: { $ref: `#/channels/${channelId}` },
      messages: names.map((name) => ({ $ref: `#/channels/${channelId}/messages/${name}` })),
      ...(action === 'receive'
        ? {
            bindings: {
              kafka: {
                groupId: { type: 'string', enum: [CONSUMER_GROUP] },
                bindingVersion: KAFKA_BINDING_VERSION,
              },
            },
          }
        : {}),
    };
  };

  const publishedByTopic = new Map<string, PublishedEventType[]>();
  for (const [eventType, topic] of Object.entries(PUBLISHED_TOPICS) as [
    PublishedEventType,
    string,
  ][])
    publishedByTopic.set(topic, [...(publishedByTopic.get(topic) ?? []), eventType]);
  for (const [topic, eventTypes] of publishedByTopic) {
    const topicMessages = Object.fromEntries(
      eventTypes.map((eventType) => [
        pascal(eventType),
        {
          name: eventType,
          title: eventType,
          summary: `The ${eventType} integration event, keyed by order id.`,
          contentType: 'application/json',
          headers: publishedHeaders,
          payload: schemas.toSchema(
            envelopeSchema(eventType, PUBLISHED_PAYLOAD_SCHEMAS[eventType]),
            'output',
          ),
          correlationId: { location: '$message.header#/ce_id' },
          bindings: { kafka: { key: KEY_SCHEMA, bindingVersion: KAFKA_BINDING_VERSION } },
        },
      ]),
    );
    addChannel(
      topic,
      topicMessages,
      'send',
      `Order Intake publishes ${eventTypes.join(' and ')} (at least once, in order per order id${eventTypes.length > 1 ? ', across the event types of this topic' : ''}).`,
    );
  }

  for (const [topic, payload] of Object.entries(INBOUND_TOPICS)) {
    const envelope = z.object({
      eventId: z
        .string()
        .min(1)
        .max(255)
        .meta({ description: 'the idempotency key of the message' }),
      eventType: z.string().optional(),
      payload,
    });
    addChannel(
      topic,
      {
        [pascal(topic)]: {
          name: topic,
          title: topic,
          summary: 'The envelope (its eventId makes redelivery harmless) or the bare payload.',
          contentType: 'application/json',
          headers: inboundHeaders,
          payload: schemas.toSchema(z.union([envelope, payload]), 'input'),
          bindings: {
            kafka: {
              key: { type: 'string', description: 'the order id (recommended)' },
              bindingVersion: KAFKA_BINDING_VERSION,
            },
          },
        },
      },
      'receive',
      `Order Intake consumes ${topic} in group ${CONSUMER_GROUP}.`,
    );
  }

  addChannel(
    DLQ_TOPIC,
    {
      DeadLetter: {
        name: 'dead-letter',
        title: 'Dead-lettered inbound message',
        summary:
          'An inbound message that can never succeed, unchanged, with headers saying why and where from.',
        headers: deadLetterHeaders,
        payload: { description: 'the original message value, byte for byte' },
      },
    },
    'send',
    'Poison inbound messages go here; the consumer commits and moves on.',
  );

  return {
    asyncapi: '3.0.0',
    info: {
      title: options.title ?? 'OMS Order Intake events',
      version: options.version ?? '1.0.0',
      description:
        'Integration events published from the order event store (the outbox), and the fulfillment, shipping, payment and risk events Order Intake consumes.',
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: options.host ?? 'localhost:9092',
        protocol: 'kafka',
        description: 'The Kafka cluster given as KAFKA_BROKERS',
      },
    },
    channels,
    operations,
    components: { messages, schemas: schemas.components },
  };
};
