import {
  acquireLease,
  createPgCheckpointStore,
  createPgOrderStore,
  createPool,
  createTestDatabase,
  type TestDatabase,
} from '@oms/adapters-pg';
import { ORDER_INPUT_SCHEMAS, parseInput } from '@oms/domain';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createRelay, type Relay } from '../relay/createRelay.js';
import { type KafkaProxy, startKafkaProxy } from '../testing/kafkaProxy.js';
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

type Pool = ReturnType<typeof createPool>;

/** Ends the PostgreSQL session holding a relay's lease (its connection dropped): the lock goes with it. */
const dropLeaseConnection = async (pool: Pool, name: string) => {
  const ended = await pool.query<{ ended: boolean }>(
    `SELECT pg_terminate_backend(pid) AS ended FROM pg_locks
      WHERE locktype = 'advisory' AND classid = hashtext('oms-lease')::oid AND objid = hashtext($1)::oid AND granted`,
    [name],
  );
  expect(ended.rows.map((row) => row.ended)).toEqual([true]);
};

describe('relay lease loss with a produce in flight (fencing)', () => {
  let kafka: TestKafka;
  let db: TestDatabase;
  let collector: TopicCollector;
  let proxy: KafkaProxy;
  const pools: Pool[] = [];
  const relays: Relay[] = [];

  beforeAll(async () => {
    kafka = await startTestKafka();
    db = await createTestDatabase(inject('databaseUrl'), { max: 8 });
    proxy = await startKafkaProxy({ upstreams: kafka.brokers });
    collector = await startTopicCollector({ brokers: kafka.brokers, topics: PUBLISHED });
  });
  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.stop({ drainTimeoutMs: 0 });
    for (const pool of pools.splice(0)) await pool.end().catch(() => undefined);
  });
  afterAll(async () => {
    await collector?.stop();
    await proxy?.close();
    await db?.drop();
    await kafka?.stop();
  });

  it('the old relay neither lands its held batch after the new one nor saves an older checkpoint', async () => {
    const name = 'fenced-relay';
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    await checkpoints.save(name, await headOf(store.eventStore));
    const relayOf = (brokers: readonly string[], requestTimeout = 5_000) => {
      const pool = createPool(db.url, { max: 4 });
      pools.push(pool);
      const relay = createRelay({
        eventStore: createPgOrderStore({ pool }).eventStore,
        checkpoints: createPgCheckpointStore(pool),
        lease: () => acquireLease(pool, name),
        // the old relay's client waits longer than the hold for an answer, so it never sends the produce twice
        kafka: new Kafka({
          clientId: 'oms-fencing-test',
          brokers: [...brokers],
          logLevel: logLevel.NOTHING,
          connectionTimeout: 1_000,
          requestTimeout,
          retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
        }),
        // the standby waits 10 s after a takeover: longer than the old relay's produce is held (6 s)
        options: {
          ...mockSettings(kafka),
          name,
          pollIntervalMs: 5,
          leaseRetryMs: 50,
          takeoverDelayMs: 10_000,
        },
      });
      relays.push(relay);
      return relay;
    };

    // the old relay publishes through a proxy that holds its next produce for 6 s (a slow broker or network)
    const old = relayOf(proxy.brokers, 20_000);
    await old.start();
    await vi.waitFor(() => expect(old.lag().status).toBe('running'), { timeout: 10_000 });
    proxy.holdProduce(6_000);
    const orderIds = await concurrently(20, 4, () => createAndConfirm(handle));
    await vi.waitFor(() => expect(proxy.heldProduces).toBeGreaterThan(0), { timeout: 10_000 });

    // its lease connection drops while the produce is held; the standby takes over and publishes
    await dropLeaseConnection(db.pool, name);
    const standby = relayOf(kafka.brokers);
    await standby.start();
    const confirmedHead = await headOf(store.eventStore);
    await vi.waitFor(() => expect(standby.lag().position).toBe(confirmedHead), { timeout: 30_000 });
    for (const orderId of orderIds) {
      const cancelled = await handle(
        {
          type: 'CancelOrder',
          orderId,
          input: parseInput(ORDER_INPUT_SCHEMAS.CancelOrder, {
            reason: 'customer changed their mind',
          })._unsafeUnwrap(),
        },
        { actor: 'int-test' },
      );
      expect(cancelled.isOk()).toBe(true);
    }
    const head = await headOf(store.eventStore);
    await vi.waitFor(() => expect(standby.lag().position).toBe(head), { timeout: 20_000 });
    const keys = new Set(orderIds);
    await collector.waitFor(
      (all) =>
        all.filter(
          (message) => keys.has(message.key ?? '') && message.topic === 'oms.orders.cancelled',
        ).length >= orderIds.length,
    );

    // long enough for the held produce to be passed on, if the old relay still had it in flight
    proxy.holdProduce(0);
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const mine = collector.messages.filter((message) => keys.has(message.key ?? ''));
    // every order: DRAFT→CONFIRMED then CONFIRMED→CANCELLED, never DRAFT→CONFIRMED again after it
    expectStreamOrderPerKey(mine, true);
    const transitions = new Map<string, string[]>();
    for (const message of mine.filter((m) => m.topic === 'oms.orders.status-changed')) {
      const { payload } = JSON.parse(message.value ?? '{}') as {
        payload: { previousStatus: string; newStatus: string };
      };
      const list = transitions.get(message.key ?? '') ?? [];
      list.push(`${payload.previousStatus}→${payload.newStatus}`);
      transitions.set(message.key ?? '', list);
    }
    for (const orderId of orderIds)
      expect(transitions.get(orderId)?.at(-1), orderId).toBe('CONFIRMED→CANCELLED');
    // the checkpoint never went back to the old relay's batch
    expect(await checkpoints.load(name)).toBe(head);
    expect(old.lag().position).toBeLessThanOrEqual(head);
  });

  it('a relay whose lease was taken without it noticing cannot publish another batch or save', async () => {
    const name = 'silently-fenced';
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    await checkpoints.save(name, await headOf(store.eventStore));
    // a lease whose loss is never signalled (a partition the holder cannot see yet); once lost, another holds it
    let granted = false;
    const errors: string[] = [];
    const blind = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      lease: async () => {
        if (granted) return null;
        granted = true;
        return { release: async () => undefined };
      },
      kafka: testKafka(kafka.brokers),
      options: {
        ...mockSettings(kafka),
        name,
        pollIntervalMs: 5,
        leaseRetryMs: 50,
        onError: (error) => errors.push(error.code),
      },
    });
    relays.push(blind);
    await blind.start();
    const first = await createAndConfirm(handle);
    await vi.waitFor(() => expect(collector.messages.some((m) => m.key === first)).toBe(true), {
      timeout: 10_000,
    });
    // another relay took the lease and fenced the checkpoint
    const takeover = await checkpoints.fence(name);
    const second = await createAndConfirm(handle);
    await vi.waitFor(() => expect(errors).toContain('lease-failed'), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(collector.messages.some((m) => m.key === second)).toBe(false);
    expect(await checkpoints.check(name, takeover.epoch)).toBe(takeover.position);
  });
});
