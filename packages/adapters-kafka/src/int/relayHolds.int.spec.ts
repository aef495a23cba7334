import {
  createPgCheckpointStore,
  createPgOrderStore,
  createTestDatabase,
  type TestDatabase,
} from '@oms/adapters-pg';
import {
  envelopeSchema,
  ORDER_INPUT_SCHEMAS,
  PUBLISHED_PAYLOAD_SCHEMAS,
  type PublishedEventType,
  parseInput,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PublishedHeadersSchema } from '../asyncapi/headers.js';
import { createRelay, type Relay } from '../relay/createRelay.js';
import { startTopicCollector, type TopicCollector } from '../testing/index.js';
import { startTestKafka, type TestKafka } from '../testing/mockCluster.js';
import { commandHandler, concurrently, headOf, mockSettings, testKafka } from './harness.js';
import { expectStreamOrderPerKey } from './streamOrder.js';

const TOPICS = ['oms.orders.holds', 'oms.orders.payments'];

describe('relay: holds and payments (spec §6) on PostgreSQL and the mock cluster', () => {
  let kafka: TestKafka;
  let db: TestDatabase;
  let collector: TopicCollector;
  let relay: Relay | undefined;

  beforeAll(async () => {
    kafka = await startTestKafka();
    db = await createTestDatabase(inject('databaseUrl'), { max: 8 });
    collector = await startTopicCollector({ brokers: kafka.brokers, topics: TOPICS });
  });
  afterAll(async () => {
    await relay?.stop({ drainTimeoutMs: 0 });
    await collector?.stop();
    await db?.drop();
    await kafka?.stop();
  });

  it('30 orders held, released and paid by 4 writers: each event published once on its topic, envelope and CloudEvents headers, in stream order per order', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    await checkpoints.save('holds', await headOf(store.eventStore));
    const input = parseInput(
      ORDER_INPUT_SCHEMAS.CreateOrder,
      orderFixtures.seedCreateOrderBody(),
    )._unsafeUnwrap();
    const run = async (request: Parameters<typeof handle>[0]) =>
      (await handle(request, { actor: 'int-test' }))._unsafeUnwrap();
    const orderIds = await concurrently(30, 4, async () => {
      const orderId = (await run({ type: 'CreateOrder', input })).view.id;
      await run({ type: 'PlaceHold', orderId, input: { reason: 'MANUAL', holdId: 'h1' } });
      await run({ type: 'PlaceHold', orderId, input: { reason: 'INVENTORY', holdId: 'h2' } });
      await run({ type: 'ReleaseHold', orderId, holdId: 'h1' });
      const amount = { amount: '59.98', currencyCode: 'USD' };
      await run({
        type: 'RecordPayment',
        orderId,
        input: { paymentId: 'p1', amount, status: 'AUTHORIZED' },
      });
      await run({ type: 'ReleaseHold', orderId, holdId: 'h2' });
      await run({
        type: 'RecordPayment',
        orderId,
        input: { paymentId: 'p1', amount, status: 'CAPTURED' },
      });
      return orderId;
    });
    relay = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      kafka: testKafka(kafka.brokers),
      options: { ...mockSettings(kafka), name: 'holds', pollIntervalMs: 10 },
    });
    await relay.start();
    const keys = new Set(orderIds);
    const ours = (all: typeof collector.messages) =>
      all.filter((message) => keys.has(message.key ?? ''));
    const messages = ours(
      await collector.waitFor((all) => ours(all).length >= orderIds.length * 6, 60_000),
    );
    expect(messages).toHaveLength(orderIds.length * 6);
    expect(new Set(messages.map((message) => message.headers.ce_id)).size).toBe(messages.length);
    expectStreamOrderPerKey(messages);
    for (const message of messages) {
      const headers = PublishedHeadersSchema.parse(message.headers);
      const type = headers.ce_type as PublishedEventType;
      expect(message.topic).toBe(type === 'order.payment_updated' ? TOPICS[1] : TOPICS[0]);
      envelopeSchema(type, PUBLISHED_PAYLOAD_SCHEMAS[type])
        .strict()
        .parse(JSON.parse(message.value ?? 'null'));
    }
    const [first] = orderIds;
    const sequence = messages
      .filter((message) => message.key === first)
      .sort(
        (a, b) => Number(a.headers['oms-stream-version']) - Number(b.headers['oms-stream-version']),
      )
      .map((message) => {
        const { payload } = JSON.parse(message.value ?? '{}');
        return [
          message.headers.ce_type,
          payload.holdId ?? payload.paymentStatus,
          payload.activeHolds?.length,
        ];
      });
    expect(sequence).toEqual([
      ['order.hold_placed', 'h1', 1],
      ['order.hold_placed', 'h2', 2],
      ['order.hold_released', 'h1', 1],
      ['order.payment_updated', 'AUTHORIZED', undefined],
      ['order.hold_released', 'h2', 0],
      ['order.payment_updated', 'CAPTURED', undefined],
    ]);
  });
});
