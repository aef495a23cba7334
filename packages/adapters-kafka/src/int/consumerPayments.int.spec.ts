import { createPgOrderStore, createTestDatabase, type TestDatabase } from '@oms/adapters-pg';
import {
  createExecuteOrderRequest,
  DLQ_TOPIC,
  INBOUND_TOPICS,
  ORDER_INPUT_SCHEMAS,
  parseInput,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/testing';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createConsumer, type InboundConsumer } from '../consumer/createConsumer.js';
import { startTestKafka, type TestKafka } from '../testing/mockCluster.js';
import { startTopicCollector, type TopicCollector } from '../testing/topicCollector.js';
import { commandHandler, mockSettings, testKafka } from './harness.js';

const ORDER_COUNT = 12;

describe('inbound consumer: payments and risk (spec §6) on PostgreSQL and the mock cluster', () => {
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

  it('payments before their order is created are deferred then applied; every message once; HIGH risk holds; only what can never apply is dead-lettered', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const client = testKafka(kafka.brokers);
    const producer = client.producer();
    await producer.connect();
    for (const topic of [...Object.keys(INBOUND_TOPICS), DLQ_TOPIC])
      await producer.send({ topic, messages: [{ key: 'warm-up', value: 'warm-up' }] });
    dlq = await startTopicCollector({ brokers: kafka.brokers, topics: [DLQ_TOPIC] });

    consumer = createConsumer({
      execute: createExecuteOrderRequest({
        eventStore: store.eventStore,
        idempotency: store.idempotency,
        clock: systemClock,
        ids: uuidV7Generator,
      }),
      kafka: client,
      options: {
        groupId: 'oms-order-intake-payments',
        sessionTimeout: 6_000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 100,
        ...mockSettings(kafka),
        backoff: { initialMs: 50, maxMs: 200 },
        deferBackoff: { initialMs: 200, maxMs: 1_000 },
      },
    });
    await consumer.start();
    await consumer.joined();

    // the payment service is faster than the checkout: authorizations for orders that do not exist yet
    const input = parseInput(
      ORDER_INPUT_SCHEMAS.CreateOrder,
      orderFixtures.seedCreateOrderBody(),
    )._unsafeUnwrap();
    const orderIds = Array.from({ length: ORDER_COUNT }, () => uuidV7Generator.next());
    const notice = (orderId: string, paymentId: string, amount = '59.98') => ({
      orderId,
      paymentId,
      amount: { amount, currencyCode: 'USD' },
      provider: 'stripe',
      at: '2026-01-16T10:00:00Z',
    });
    await producer.send({
      topic: 'oms.payments.authorized',
      messages: orderIds.flatMap((orderId) => {
        const value = JSON.stringify({
          eventId: `auth-${orderId}`,
          payload: notice(orderId, 'p1'),
        });
        // each delivered twice: one effect
        return [
          { key: orderId, value },
          { key: orderId, value },
        ];
      }),
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const orderId of orderIds)
      (
        await handle({ type: 'CreateOrder', orderId, input }, { actor: 'int-test' })
      )._unsafeUnwrap();

    await producer.send({
      topic: 'oms.risk.assessed',
      messages: orderIds.map((orderId, index) => ({
        key: orderId,
        value: JSON.stringify({
          orderId,
          riskLevel: index % 3 === 0 ? 'HIGH' : index % 3 === 1 ? 'MEDIUM' : 'LOW',
        }),
      })),
    });
    const [first] = orderIds;
    if (!first) throw new Error('no order');
    // can never apply: more than the total, and not JSON
    await producer.send({
      topic: 'oms.payments.captured',
      messages: [
        { key: first, value: JSON.stringify(notice(first, 'too-much', '1000.00')) },
        { key: first, value: '{not json' },
      ],
    });
    await producer.disconnect();

    const eventsOf = async (orderId: string) =>
      (await store.eventStore.readStream(orderId))._unsafeUnwrap().events;
    await vi.waitFor(
      async () => {
        for (const [index, orderId] of orderIds.entries()) {
          const types = (await eventsOf(orderId)).map((event) => event.type);
          expect(types.filter((type) => type === 'order.payment_recorded')).toHaveLength(1);
          expect(types.filter((type) => type === 'order.hold_placed')).toHaveLength(
            index % 3 === 0 ? 1 : 0,
          );
        }
        expect(dlq.messages.filter((message) => message.key === first)).toHaveLength(2);
      },
      { timeout: 60_000, interval: 250 },
    );
    // the last deferred message's append is visible before the consumer has counted it done: wait for the counters
    const running = consumer;
    await vi.waitFor(() => expect(running.stats()).toMatchObject({ deferred: 0 }), {
      timeout: 10_000,
      interval: 50,
    });
    const stats = running.stats();
    expect(stats.deferredTotal).toBeGreaterThanOrEqual(1);
    expect(stats).toMatchObject({ deferred: 0, ignored: ORDER_COUNT - ORDER_COUNT / 3 });
    // 8 warm-ups + the two messages that can never apply
    expect(stats.deadLettered).toBe(Object.keys(INBOUND_TOPICS).length + 2);
    const reasons = dlq.messages
      .filter((message) => message.key === first)
      .map((message) => message.headers['x-dlq-code']);
    expect(reasons).toContain('malformed-json');
    const [paymentEvent] = (await eventsOf(first)).filter(
      (event) => event.type === 'order.payment_recorded',
    );
    expect(paymentEvent?.metadata).toMatchObject({
      actor: 'kafka:oms.payments.authorized',
      idempotencyKey: `event:auth-${first}`,
    });
  });
});
