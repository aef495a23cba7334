import { createPgOrderStore, createTestDatabase, type TestDatabase } from '@oms/adapters-pg';
import {
  CONSUMER_GROUP,
  createExecuteOrderRequest,
  createOrderCommandHandler,
  DLQ_TOPIC,
  type EventStore,
  INBOUND_TOPICS,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import type { Kafka, Producer } from 'kafkajs';
import { errAsync } from 'neverthrow';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DeadLetterHeadersSchema } from '../asyncapi/headers.js';
import { createConsumer, type InboundConsumer } from '../consumer/createConsumer.js';
import { startTopicCollector, type TopicCollector } from '../testing/index.js';
import { startKafkaProxy } from '../testing/kafkaProxy.js';
import { startTestKafka, type TestKafka } from '../testing/mockCluster.js';
import { createAndConfirm, mockSettings, testKafka, waitForCommittedToEnd } from './harness.js';

describe('inbound consumer against a real Kafka-protocol broker', () => {
  let kafka: TestKafka;
  let client: Kafka;
  let db: TestDatabase;
  let producer: Producer;
  let dlq: TopicCollector;
  let consumer: InboundConsumer;
  let storeDown = false;
  let storeBroken = false;
  let eventStore: EventStore;

  beforeAll(async () => {
    kafka = await startTestKafka();
    client = testKafka(kafka.brokers);
    db = await createTestDatabase(inject('databaseUrl'));
    const store = createPgOrderStore({ pool: db.pool });
    // switches in front of the real store: appends fail as if PostgreSQL were unreachable, or unexpectedly
    eventStore = {
      ...store.eventStore,
      appendToStream: (streamId, events, options) =>
        storeDown
          ? errAsync({
              code: 'service-unavailable',
              message: 'connect ECONNREFUSED 127.0.0.1:5432',
            })
          : storeBroken
            ? errAsync({ code: 'internal', message: 'unexpected failure' })
            : store.eventStore.appendToStream(streamId, events, options),
    };
    const execute = createExecuteOrderRequest({
      eventStore,
      idempotency: store.idempotency,
      clock: systemClock,
      ids: uuidV7Generator,
    });
    producer = client.producer();
    await producer.connect();
    // create the inbound topics before the group joins, so its first assignment covers them
    await producer.send({
      topic: DLQ_TOPIC,
      messages: [{ value: 'warm-up' }],
    });
    for (const topic of Object.keys(INBOUND_TOPICS))
      await producer.send({ topic, messages: [{ value: '{}' }] });
    dlq = await startTopicCollector({ brokers: kafka.brokers, topics: [DLQ_TOPIC] });
    consumer = createConsumer({
      execute,
      kafka: client,
      options: {
        // test timings for the mock (see ../shared/kafka-testing.md); the DLQ producer is not idempotent and the
        // DLQ topic is not created up front because the mock supports neither (real-cluster defaults stay on)
        sessionTimeout: 6_000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 100,
        ...mockSettings(kafka),
        backoff: { initialMs: 50, maxMs: 200 },
        // short windows for the tests (defaults: 15 min for `internal`, 10 min for deferrals)
        internalRetryMs: 6_000,
        deferMs: 4_000,
        deferBackoff: { initialMs: 200, maxMs: 1_000 },
      },
    });
    await consumer.start();
    await consumer.joined();
  });
  afterAll(async () => {
    await consumer?.stop();
    await dlq?.stop();
    await producer?.disconnect();
    await db?.drop();
    await kafka?.stop();
  });

  const handle = () =>
    createOrderCommandHandler({ eventStore, clock: systemClock, ids: uuidV7Generator });
  const eventsOf = async (orderId: string) =>
    (await eventStore.readStream(orderId))._unsafeUnwrap().events.map((event) => event.type);
  const dlqFor = (offsetTopic: string) =>
    dlq.messages.filter((message) => message.headers['x-dlq-source-topic'] === offsetTopic);

  it('dead-letters the warm-up messages (schema mismatch) with why and where they came from', async () => {
    await dlq.waitFor(
      (all) =>
        all.filter((message) => message.headers['x-dlq-code'] !== undefined).length >=
        Object.keys(INBOUND_TOPICS).length,
    );
    for (const topic of Object.keys(INBOUND_TOPICS)) {
      const [message] = dlqFor(topic);
      expect(message?.headers).toMatchObject({
        'x-dlq-code': 'validation-failed',
        'x-dlq-source-topic': topic,
        'x-dlq-consumer-group': CONSUMER_GROUP,
      });
      expect(() => DeadLetterHeadersSchema.parse(message?.headers)).not.toThrow();
      expect(message?.value).toBe('{}');
    }
  });

  it('applies a message delivered twice once, and records who asked', async () => {
    const orderId = await createAndConfirm(handle());
    const envelope = JSON.stringify({
      eventId: `wms-${orderId}`,
      eventType: 'fulfillment.shipped',
      payload: {
        orderId,
        carrier: 'DHL',
        trackingNumber: 'JD0001',
        shippedAt: '2026-01-16T10:00:00Z',
      },
    });
    const before = consumer.stats();
    await producer.send({
      topic: 'oms.fulfillment.shipped',
      messages: [
        { key: orderId, value: envelope },
        { key: orderId, value: envelope },
      ],
    });
    await vi.waitFor(() => expect(consumer.stats().replayed).toBe(before.replayed + 1), {
      timeout: 20_000,
    });
    expect(consumer.stats().applied).toBe(before.applied + 1);
    expect(await eventsOf(orderId)).toEqual(['order.created', 'order.confirmed', 'order.shipped']);
    const [shipped] = (await eventStore.readStream(orderId))._unsafeUnwrap().events.slice(-1);
    expect(shipped?.metadata).toMatchObject({
      actor: 'kafka:oms.fulfillment.shipped',
      causationId: `wms-${orderId}`,
    });

    // a bare payload (no envelope) works too, keyed by its content: delivered twice (two offsets), applied once,
    // and the second is a replay, not a dead letter
    const bare = JSON.stringify({ orderId, deliveredAt: '2026-01-17T10:00:00Z' });
    const beforeBare = consumer.stats();
    await producer.send({
      topic: 'oms.shipping.delivered',
      messages: [
        { key: orderId, value: bare },
        { key: orderId, value: bare },
      ],
    });
    await vi.waitFor(() => expect(consumer.stats().replayed).toBe(beforeBare.replayed + 1), {
      timeout: 20_000,
    });
    expect(consumer.stats().deadLettered).toBe(beforeBare.deadLettered);
    expect(await eventsOf(orderId)).toEqual([
      'order.created',
      'order.confirmed',
      'order.shipped',
      'order.delivered',
    ]);
  });

  it('dead-letters poison messages (bad JSON, schema mismatch, unknown order, refused transition) and moves on', async () => {
    const orderId = await createAndConfirm(handle());
    const unknown = '01970000-0000-7000-8000-00000000abcd';
    const before = dlq.messages.length;
    await producer.send({
      topic: 'oms.shipping.delivered',
      messages: [
        { key: 'a', value: '{"orderId": ' },
        { key: 'b', value: JSON.stringify({ orderId, deliveredAt: 'yesterday' }) },
        {
          key: 'c',
          value: JSON.stringify({ orderId: unknown, deliveredAt: '2026-01-17T10:00:00Z' }),
        },
        // CONFIRMED cannot be delivered
        { key: 'd', value: JSON.stringify({ orderId, deliveredAt: '2026-01-17T10:00:00Z' }) },
        // and the consumer is still moving: this one is applied after the four poison messages
        {
          key: 'e',
          value: JSON.stringify({
            orderId,
            reason: 'out of stock',
            unfulfillableAt: '2026-01-17T10:00:00Z',
          }),
        },
      ],
    });
    // the last message goes to another topic so it is processed independently of partition placement
    await producer.send({
      topic: 'oms.fulfillment.unfulfillable',
      messages: [
        {
          key: orderId,
          value: JSON.stringify({
            orderId,
            reason: 'out of stock',
            unfulfillableAt: '2026-01-17T10:00:00Z',
          }),
        },
      ],
    });
    const messages = await dlq.waitFor((all) => all.length >= before + 5, 20_000);
    const fresh = messages.slice(before);
    const byKey = new Map(fresh.map((message) => [message.key, message.headers]));
    expect(byKey.get('a')).toMatchObject({ 'x-dlq-code': 'malformed-json' });
    expect(byKey.get('b')).toMatchObject({ 'x-dlq-code': 'validation-failed' });
    expect(byKey.get('b')?.['x-dlq-reason']).toContain('deliveredAt');
    expect(byKey.get('c')).toMatchObject({ 'x-dlq-code': 'order-not-found' });
    expect(byKey.get('d')).toMatchObject({ 'x-dlq-code': 'invalid-state-transition' });
    // 'e' on the delivered topic is not a delivery payload
    expect(byKey.get('e')).toMatchObject({ 'x-dlq-code': 'validation-failed' });
    for (const headers of byKey.values()) {
      expect(headers['x-dlq-source-topic']).toBe('oms.shipping.delivered');
      expect(headers['x-dlq-source-partition']).toMatch(/^\d+$/);
      expect(headers['x-dlq-source-offset']).toMatch(/^\d+$/);
    }
    await vi.waitFor(
      async () => expect((await eventsOf(orderId)).at(-1)).toBe('order.marked_unfulfillable'),
      { timeout: 20_000 },
    );
    // committed: the group's offsets reach the end of every partition it read
    await waitForCommittedToEnd(client, CONSUMER_GROUP, 'oms.shipping.delivered');
  });

  it('retries, rather than dead-letters, while the store is unreachable', async () => {
    const orderId = await createAndConfirm(handle());
    const dlqBefore = dlq.messages.length;
    const before = consumer.stats();
    storeDown = true;
    await producer.send({
      topic: 'oms.fulfillment.shipped',
      messages: [
        {
          key: orderId,
          value: JSON.stringify({
            eventId: `outage-${orderId}`,
            payload: { orderId, shippedAt: '2026-01-16T10:00:00Z' },
          }),
        },
      ],
    });
    await vi.waitFor(
      () => expect(consumer.stats().retried).toBeGreaterThanOrEqual(before.retried + 3),
      {
        timeout: 20_000,
      },
    );
    storeDown = false;
    await vi.waitFor(async () => expect((await eventsOf(orderId)).at(-1)).toBe('order.shipped'), {
      timeout: 20_000,
    });
    expect(consumer.stats().applied).toBe(before.applied + 1);
    expect(dlq.messages.slice(dlqBefore).filter((m) => m.key === orderId)).toEqual([]);
  });
  it('keeps retrying a valid message through a burst of unexpected errors, then applies it: no dead letter', async () => {
    const orderId = await createAndConfirm(handle());
    const before = consumer.stats();
    storeBroken = true;
    try {
      await producer.send({
        topic: 'oms.fulfillment.shipped',
        messages: [
          { key: orderId, value: JSON.stringify({ orderId, shippedAt: '2026-01-16T10:00:00Z' }) },
        ],
      });
      // longer than the ~1.5 s after which such a message used to be dead-lettered
      await vi.waitFor(
        () => expect(consumer.stats().retried).toBeGreaterThanOrEqual(before.retried + 5),
        { timeout: 20_000 },
      );
      await new Promise((resolve) => setTimeout(resolve, 2_500));
    } finally {
      storeBroken = false;
    }
    await vi.waitFor(async () => expect((await eventsOf(orderId)).at(-1)).toBe('order.shipped'), {
      timeout: 20_000,
    });
    expect(dlq.messages.filter((message) => message.key === orderId)).toEqual([]);
    expect(consumer.stats().deadLettered).toBe(before.deadLettered);
  });

  it('dead-letters a message that keeps failing with an unexpected error once its retry window is over', async () => {
    const orderId = await createAndConfirm(handle());
    storeBroken = true;
    try {
      await producer.send({
        topic: 'oms.fulfillment.shipped',
        messages: [
          {
            key: orderId,
            value: JSON.stringify({ orderId, shippedAt: '2026-01-16T10:00:00Z' }),
          },
        ],
      });
      const messages = await dlq.waitFor(
        (all) => all.some((message) => message.key === orderId),
        20_000,
      );
      const dead = messages.find((message) => message.key === orderId);
      expect(dead?.headers).toMatchObject({
        'x-dlq-code': 'internal',
        'x-dlq-source-topic': 'oms.fulfillment.shipped',
      });
      expect(dead?.headers['x-dlq-reason']).toMatch(
        /still failing after \d+ attempts over [4-9] s/,
      );
    } finally {
      storeBroken = false;
    }
    expect(await eventsOf(orderId)).toEqual(['order.created', 'order.confirmed']);
  });
});

describe('inbound consumer and a broker outage', () => {
  it('starts while the broker is unreachable and joins its group once it is back', async () => {
    const kafka = await startTestKafka();
    const proxy = await startKafkaProxy({ upstreams: kafka.brokers });
    const db = await createTestDatabase(inject('databaseUrl'));
    const errors: string[] = [];
    const store = createPgOrderStore({ pool: db.pool });
    const consumer = createConsumer({
      execute: createExecuteOrderRequest({
        eventStore: store.eventStore,
        idempotency: store.idempotency,
        clock: systemClock,
        ids: uuidV7Generator,
      }),
      kafka: testKafka(proxy.brokers),
      options: {
        groupId: 'oms-order-intake-outage',
        sessionTimeout: 6_000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 100,
        // the mock has no CreateTopics (see harness); the idempotent DLQ producer works through the proxy
        createTopics: !kafka.mock,
        backoff: { initialMs: 50, maxMs: 300 },
        onError: (error) => errors.push(error.code),
      },
    });
    try {
      await proxy.cut();
      const starting = consumer.start();
      await vi.waitFor(() => expect(errors).toContain('consumer-start-failed'), {
        timeout: 20_000,
      });
      await proxy.restore();
      await starting;
      await consumer.joined();
      const producer = testKafka(kafka.brokers).producer();
      await producer.connect();
      await producer.send({ topic: 'oms.shipping.delivered', messages: [{ value: 'not json' }] });
      await producer.disconnect();
      await vi.waitFor(() => expect(consumer.stats().deadLettered).toBe(1), { timeout: 20_000 });
    } finally {
      await consumer.stop();
      await proxy.close();
      await db.drop();
      await kafka.stop();
    }
  });
  it('after a crash in its group (the broker went away), a new consumer takes over once the broker is back', async () => {
    const kafka = await startTestKafka();
    const proxy = await startKafkaProxy({ upstreams: kafka.brokers });
    const errors: string[] = [];
    const consumer = createConsumer({
      // only poison messages below: nothing reaches the write path
      execute: () => errAsync({ code: 'internal', message: 'not used' }),
      kafka: testKafka(proxy.brokers),
      options: {
        groupId: 'oms-order-intake-crash',
        topics: ['oms.shipping.delivered'],
        sessionTimeout: 6_000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 100,
        createTopics: !kafka.mock,
        backoff: { initialMs: 50, maxMs: 300 },
        onError: (error) => errors.push(error.code),
      },
    });
    const producer = testKafka(kafka.brokers).producer();
    try {
      await producer.connect();
      await producer.send({ topic: 'oms.shipping.delivered', messages: [{ value: 'not json' }] });
      await consumer.start();
      await vi.waitFor(() => expect(consumer.stats().deadLettered).toBe(1), { timeout: 20_000 });
      // its offset committed before the crash: a message read but not committed is read again after it (at-least-once)
      // and dead-lettered a second time
      await waitForCommittedToEnd(
        testKafka(kafka.brokers),
        'oms-order-intake-crash',
        'oms.shipping.delivered',
      );
      await proxy.cut();
      await vi.waitFor(() => expect(errors).toContain('consumer-crashed'), { timeout: 30_000 });
      await proxy.restore();
      await producer.send({ topic: 'oms.shipping.delivered', messages: [{ value: 'not json' }] });
      await vi.waitFor(() => expect(consumer.stats().deadLettered).toBe(2), { timeout: 30_000 });
    } finally {
      await consumer.stop();
      await producer.disconnect();
      await proxy.close();
      await kafka.stop();
    }
  });
});
