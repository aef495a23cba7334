import {
  createPgCheckpointStore,
  createPgOrderStore,
  createPgParkedEventStore,
  createTestDatabase,
  type TestDatabase,
} from '@oms/adapters-pg';
import { ORDER_INPUT_SCHEMAS, type OrderCommandHandler, parseInput } from '@oms/domain';
import { orderFixtures } from '@oms/domain/testing';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createRelay, type Relay, type RelayError } from '../relay/createRelay.js';
import { startKafkaProxy } from '../testing/kafkaProxy.js';
import { startTestKafka, type TestKafka } from '../testing/mockCluster.js';
import { startTopicCollector, type TopicCollector } from '../testing/topicCollector.js';
import {
  commandHandler,
  concurrently,
  createAndConfirm,
  headOf,
  mockSettings,
  PUBLISHED,
  testKafka,
} from './harness.js';
import { expectStreamOrderPerKey } from './streamOrder.js';

/** An order of `lines` lines with long names: 500 of them make messages of about 200 KB. */
const createBigOrder = async (handle: OrderCommandHandler, lines = 500): Promise<string> => {
  const body = {
    ...orderFixtures.seedCreateOrderBody(),
    lines: Array.from({ length: lines }, (_, index) => ({
      sku: `SKU-${String(index).padStart(5, '0')}`,
      productName: `Analytical Engine spare part number ${index}, brass, hand-finished, with its punched-card manual`,
      quantity: 1 + (index % 7),
      unitPrice: { amount: '12.34', currencyCode: 'USD' },
    })),
  };
  const created = await handle(
    {
      type: 'CreateOrder',
      input: parseInput(ORDER_INPUT_SCHEMAS.CreateOrder, body)._unsafeUnwrap(),
    },
    { actor: 'int-test' },
  );
  if (created.isErr()) throw new Error(`create failed: ${created.error.code}`);
  const orderId = created.value.view.id;
  const confirmed = await handle({ type: 'ConfirmOrder', orderId }, { actor: 'int-test' });
  if (confirmed.isErr()) throw new Error(`confirm failed: ${confirmed.error.code}`);
  return orderId;
};

const cancel = async (handle: OrderCommandHandler, orderId: string) => {
  const cancelled = await handle(
    {
      type: 'CancelOrder',
      orderId,
      input: parseInput(ORDER_INPUT_SCHEMAS.CancelOrder, { reason: 'too big' })._unsafeUnwrap(),
    },
    { actor: 'int-test' },
  );
  if (cancelled.isErr()) throw new Error(`cancel failed: ${cancelled.error.code}`);
};

describe('relay batches, message size limits and parked events', () => {
  let kafka: TestKafka;
  let db: TestDatabase;
  let collector: TopicCollector;
  const relays: Relay[] = [];
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    kafka = await startTestKafka();
    db = await createTestDatabase(inject('databaseUrl'), { max: 8 });
    collector = await startTopicCollector({ brokers: kafka.brokers, topics: PUBLISHED });
  });
  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.stop({ drainTimeoutMs: 0 });
    for (const close of closers.splice(0)) await close();
  });
  afterAll(async () => {
    await collector?.stop();
    await db?.drop();
    await kafka?.stop();
  });

  it('splits a backlog of 30 × 500-line orders below a broker limit of 1 MiB: every message once, in order', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    await checkpoints.save('split', await headOf(store.eventStore));
    const big = await concurrently(30, 4, () => createBigOrder(handle));
    const small = await concurrently(5, 2, () => createAndConfirm(handle));
    const proxy = await startKafkaProxy({ upstreams: kafka.brokers, maxRecordSetBytes: 1_048_576 });
    closers.push(() => proxy.close());
    const errors: RelayError[] = [];
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      kafka: testKafka(proxy.brokers),
      options: {
        ...mockSettings(kafka),
        name: 'split',
        // uncompressed, as a broker sees incompressible payloads
        compression: 'none',
        pollIntervalMs: 5,
        backoff: { initialMs: 50, maxMs: 500 },
        onError: (error) => errors.push(error),
      },
    });
    relays.push(relay);
    await relay.start();
    const keys = new Set([...big, ...small]);
    const head = await headOf(store.eventStore);
    await vi.waitFor(() => expect(relay.lag().position).toBe(head), { timeout: 60_000 });
    await collector.waitFor(
      (all) => all.filter((message) => keys.has(message.key ?? '')).length >= 35 * 3,
      30_000,
    );
    const mine = collector.messages.filter((message) => keys.has(message.key ?? ''));
    expect(mine).toHaveLength(35 * 3);
    expect(new Set(mine.map((message) => message.headers.ce_id)).size).toBe(35 * 3);
    expectStreamOrderPerKey(mine);
    expect(proxy.refusedProduces).toBe(0);
    expect(errors).toEqual([]);
    expect(relay.lag().parked).toBe(0);
  });

  it('parks an event over the limit, holds its order behind it, and publishes it in order once retried', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    const parking = createPgParkedEventStore(db.pool);
    await checkpoints.save('parking', await headOf(store.eventStore));
    const before = await createAndConfirm(handle);
    const big = await createBigOrder(handle);
    await cancel(handle, big);
    const after = await createAndConfirm(handle);
    const errors: RelayError[] = [];
    const relayWithLimit = (maxBatchBytes?: number) => {
      const relay = createRelay({
        eventStore: store.eventStore,
        checkpoints,
        parking,
        kafka: testKafka(kafka.brokers),
        options: {
          ...mockSettings(kafka),
          name: 'parking',
          pollIntervalMs: 5,
          parkedPollMs: 50,
          ...(maxBatchBytes === undefined ? {} : { maxBatchBytes }),
          onError: (error) => errors.push(error),
        },
      });
      relays.push(relay);
      return relay;
    };
    const strict = relayWithLimit(100_000);
    await strict.start();
    const head = await headOf(store.eventStore);
    await vi.waitFor(() => expect(strict.lag().position).toBe(head), { timeout: 30_000 });
    await collector.waitFor(
      (all) => all.filter((m) => m.key === before || m.key === after).length >= 6,
    );
    const [parked, ...others] = await parking.open('parking');
    expect(others).toEqual([]);
    expect(parked).toMatchObject({
      streamVersion: 1,
      eventType: 'order.created',
      status: 'parked',
    });
    expect(parked?.reason).toMatch(/bytes, above the 100000-byte limit/);
    expect(strict.lag().parked).toBe(1);
    expect(errors.filter((error) => error.code === 'event-parked')).toHaveLength(1);
    expect(errors.find((error) => error.code === 'event-parked')?.message).toContain(
      `retry|skip ${parked?.id}`,
    );
    // the order's later events (confirmed, cancelled: small) wait behind it
    expect(collector.messages.filter((m) => m.key === big)).toEqual([]);

    // a retry with the same limit parks it again; nothing of the order goes out
    expect(await parking.request(parked?.id ?? '', 'retry')).toMatchObject({
      status: 'retry-requested',
    });
    await vi.waitFor(
      async () => expect((await parking.open('parking'))[0]?.status).toBe('parked'),
      {
        timeout: 10_000,
      },
    );
    expect(collector.messages.filter((m) => m.key === big)).toEqual([]);
    await strict.stop();

    // with the limit raised, the operator's retry publishes the order's events in stream order
    const relaxed = relayWithLimit();
    await relaxed.start();
    await parking.request(parked?.id ?? '', 'retry');
    const messages = await collector.waitFor(
      (all) => all.filter((m) => m.key === big).length >= 5,
      30_000,
    );
    const ofBig = messages.filter((m) => m.key === big);
    expect(ofBig.map((m) => m.topic).sort()).toEqual([
      'oms.orders.cancelled',
      'oms.orders.confirmed',
      'oms.orders.created',
      'oms.orders.status-changed',
      'oms.orders.status-changed',
    ]);
    expectStreamOrderPerKey(ofBig);
    await vi.waitFor(async () => expect(await parking.open('parking')).toEqual([]), {
      timeout: 10_000,
    });
    expect((await parking.list('parking', { all: true }))[0]).toMatchObject({
      id: parked?.id,
      status: 'published',
    });
    expect(relaxed.lag().parked).toBe(0);
  });

  it('stops with one clear error naming a missing topic when the broker does not create it', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    await checkpoints.save('missing-topic', await headOf(store.eventStore));
    await createAndConfirm(handle);
    const fresh = await startTestKafka();
    const proxy = await startKafkaProxy({
      upstreams: fresh.brokers,
      hiddenTopics: ['oms.orders.cancelled'],
    });
    closers.push(async () => {
      await proxy.close();
      await fresh.stop();
    });
    const errors: RelayError[] = [];
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      kafka: testKafka(proxy.brokers),
      options: {
        ...mockSettings(fresh),
        name: 'missing-topic',
        pollIntervalMs: 5,
        topicCheckRetryMs: 100,
        onError: (error) => errors.push(error),
      },
    });
    relays.push(relay);
    await relay.start();
    await vi.waitFor(() => expect(relay.lag().status).toBe('failed'), { timeout: 20_000 });
    // checked again every 100 ms, reported once
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(errors.map((error) => error.code)).toEqual(['topic-missing']);
    expect(errors[0]?.message).toContain('oms.orders.cancelled');
    expect(relay.lag()).toMatchObject({ status: 'failed', publishedEvents: 0 });
    expect(relay.lag().error).toContain('oms.orders.cancelled');
  });
});
