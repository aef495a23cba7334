import { createPgOrderStore, createTestDatabase, type TestDatabase } from '@oms/adapters-pg';
import {
  createExecuteOrderRequest,
  DLQ_TOPIC,
  INBOUND_TOPICS,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createConsumer, type InboundConsumer } from '../consumer/createConsumer.js';
import { startTestKafka, type TestKafka } from '../testing/mockCluster.js';
import { startTopicCollector, type TopicCollector } from '../testing/topicCollector.js';
import {
  commandHandler,
  concurrently,
  createAndConfirm,
  mockSettings,
  testKafka,
} from './harness.js';

describe('inbound consumer: a transition that is not possible yet', () => {
  let kafka: TestKafka;
  let db: TestDatabase;
  let dlq: TopicCollector;
  let consumer: InboundConsumer | undefined;

  beforeAll(async () => {
    kafka = await startTestKafka();
    db = await createTestDatabase(inject('databaseUrl'));
  });
  afterAll(async () => {
    await consumer?.stop();
    await dlq?.stop();
    await db?.drop();
    await kafka?.stop();
  });

  it('in a backlog, shipped then delivered 1 s later on another topic: every order delivered, nothing dead-lettered', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const orderIds = await concurrently(20, 4, () => createAndConfirm(handle));
    const client = testKafka(kafka.brokers);
    const producer = client.producer();
    await producer.connect();
    // every topic exists before the group joins, so that its first assignment covers them
    for (const topic of [...Object.keys(INBOUND_TOPICS), DLQ_TOPIC])
      await producer.send({ topic, messages: [{ key: 'warm-up', value: 'warm-up' }] });
    dlq = await startTopicCollector({ brokers: kafka.brokers, topics: [DLQ_TOPIC] });
    await producer.send({
      topic: 'oms.fulfillment.shipped',
      messages: orderIds.map((orderId) => ({
        key: orderId,
        value: JSON.stringify({
          eventId: `ship-${orderId}`,
          payload: { orderId, carrier: 'DHL', shippedAt: '2026-01-16T10:00:00Z' },
        }),
      })),
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await producer.send({
      topic: 'oms.shipping.delivered',
      messages: orderIds.map((orderId) => ({
        key: orderId,
        value: JSON.stringify({
          eventId: `deliver-${orderId}`,
          payload: { orderId, deliveredAt: '2026-01-17T10:00:00Z' },
        }),
      })),
    });
    await producer.disconnect();

    // the consumer starts on the backlog: it reads the topics in whatever order the fetches come back
    const deferred: string[] = [];
    consumer = createConsumer({
      execute: createExecuteOrderRequest({
        eventStore: store.eventStore,
        idempotency: store.idempotency,
        clock: systemClock,
        ids: uuidV7Generator,
      }),
      kafka: client,
      options: {
        groupId: 'oms-order-intake-backlog',
        sessionTimeout: 6_000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 100,
        ...mockSettings(kafka),
        backoff: { initialMs: 50, maxMs: 200 },
        deferBackoff: { initialMs: 200, maxMs: 1_000 },
        onOutcome: (message, outcome) => {
          if (outcome.kind === 'defer') deferred.push(message.topic);
        },
      },
    });
    await consumer.start();
    const statusOf = async (orderId: string) =>
      (await store.eventStore.readStream(orderId))._unsafeUnwrap().events.at(-1)?.type;
    await vi.waitFor(
      async () => {
        const last = await Promise.all(orderIds.map(statusOf));
        expect(last.filter((type) => type === 'order.delivered')).toHaveLength(orderIds.length);
      },
      { timeout: 60_000, interval: 250 },
    );
    // only the warm-up messages, one per inbound topic (not inbound payloads), went to the dead-letter topic
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const keys = new Set(orderIds);
    expect(dlq.messages.filter((message) => keys.has(message.key ?? ''))).toEqual([]);
    expect(consumer.stats()).toMatchObject({
      deadLettered: Object.keys(INBOUND_TOPICS).length,
      deferred: 0,
    });
    expect(consumer.stats().applied).toBe(40);
    console.info(
      `backlog of 20 shipped + 20 delivered: ${deferred.length} deliveries came before their shipment and were deferred`,
    );
  });
});
