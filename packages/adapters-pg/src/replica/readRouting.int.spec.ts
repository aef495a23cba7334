import {
  createExecuteOrderRequest,
  ListOrdersQuerySchema,
  type OrderRequest,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgOrderStore } from '../createPgOrderStore.js';
import { createPool } from '../pool.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { createOrderRequest } from '../testing/fixtures.js';
import { type ScaleHarness, startScaleHarness } from '../testing/startScaleHarness.js';
import { waitForReplay } from '../testing/startStreamingReplica.js';
import { createReadRouting, type ReadReason, type ReadSource } from './readRouting.js';

let harness: ScaleHarness;
let db: TestDatabase;
let replicaPool: pg.Pool;
let readUrl: string;
const reads: [ReadSource, ReadReason][] = [];

beforeAll(async () => {
  harness = await startScaleHarness();
  db = await createTestDatabase(harness.primary.url);
  const name = new URL(db.url).pathname.slice(1);
  readUrl = harness.urls(name).readUrl;
  await waitForReplay(db.url, readUrl);
  replicaPool = createPool(readUrl, { max: 5, connectionTimeoutMillis: 1_000 });
});
afterAll(async () => {
  await replicaPool?.end().catch(() => undefined);
  await db?.drop().catch(() => undefined);
  await harness?.stop();
});

const routingFor = (options: { maxLagMillis?: number; waitMillis?: number } = {}) =>
  createReadRouting({
    primary: db.pool,
    replica: replicaPool,
    pollMillis: 100,
    onRead: (source, reason) => reads.push([source, reason]),
    ...options,
  });

const execute = () => {
  const store = createPgOrderStore({ pool: db.pool });
  const run = createExecuteOrderRequest({
    eventStore: store.eventStore,
    idempotency: store.idempotency,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  return (request: OrderRequest) => run({ request, actor: 'replica-test' });
};

const eventually = async (check: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const onReplica = async (sql: string) => {
  const result = await replicaPool.query(sql);
  return result.rows;
};

describe('read routing over a streaming replica', () => {
  it('a writer that sends its token back always reads its own write; readers without one are served by the replica', async () => {
    const routing = routingFor();
    try {
      await eventually(() => routing.status().up);
      const run = execute();
      reads.length = 0;
      for (let i = 0; i < 30; i += 1) {
        const created = (await run(createOrderRequest()))._unsafeUnwrap();
        if (created.kind !== 'accepted') throw new Error('expected an accepted create');
        const confirmed = (
          await run({ type: 'ConfirmOrder', orderId: created.orderId })
        )._unsafeUnwrap();
        expect(confirmed.kind).toBe('accepted');
        const token = await routing.tokenAfterWrite();
        expect(token && routing.isToken(token)).toBe(true);
        const order = (
          await (await routing.queriesFor(token)).getOrder(created.orderId)
        )._unsafeUnwrap();
        expect(order?.version).toBe(2);
        const page = (
          await (
            await routing.queriesFor(token)
          ).listOrders(ListOrdersQuerySchema.parse({ status: 'CONFIRMED', limit: '100' }))
        )._unsafeUnwrap();
        expect(page.data.some((summary) => summary.id === created.orderId)).toBe(true);
      }
      await (await routing.queriesFor(undefined)).listOrders(ListOrdersQuerySchema.parse({}));
      expect(reads.at(-1)).toEqual(['replica', 'replica']);
      // The replica serves most of them (the primary only when it had not replayed within 100 ms).
      expect(reads.filter(([source]) => source === 'replica').length).toBeGreaterThan(30);
    } finally {
      routing.stop();
    }
  });

  it('a replica that stops replaying serves no writer a stale read: the token waits, then the primary answers; past maxLag nothing goes there', async () => {
    const routing = routingFor({ maxLagMillis: 1_000, waitMillis: 50 });
    const run = execute();
    try {
      await eventually(() => routing.status().up);
      await onReplica('SELECT pg_wal_replay_pause()');
      const created = (await run(createOrderRequest()))._unsafeUnwrap();
      if (created.kind !== 'accepted') throw new Error('expected an accepted create');
      const token = await routing.tokenAfterWrite();
      reads.length = 0;
      const order = (
        await (await routing.queriesFor(token)).getOrder(created.orderId)
      )._unsafeUnwrap();
      expect(order?.version).toBe(1);
      expect(reads).toEqual([['primary', 'token-not-replayed']]);
      // The replica's own answer is stale: that is why the token was not served there.
      expect(await onReplica(`SELECT 1 FROM oms_orders WHERE id = '${created.orderId}'`)).toEqual(
        [],
      );
      await eventually(() => routing.status().lagSeconds > 1);
      expect(routing.status().lagBytes).toBeGreaterThan(0);
      reads.length = 0;
      await (await routing.queriesFor(undefined)).getOrder(created.orderId);
      expect(reads).toEqual([['primary', 'replica-unhealthy']]);
    } finally {
      await onReplica('SELECT pg_wal_replay_resume()');
      routing.stop();
    }
    const again = routingFor();
    try {
      await eventually(() => again.status().up && again.status().lagSeconds === 0);
    } finally {
      again.stop();
    }
  });

  it('a stopped replica degrades to the primary without an error, and is used again once it is back', async () => {
    const routing = routingFor();
    const run = execute();
    try {
      await eventually(() => routing.status().up);
      await harness.replica.pause();
      const created = (await run(createOrderRequest()))._unsafeUnwrap();
      if (created.kind !== 'accepted') throw new Error('expected an accepted create');
      const token = await routing.tokenAfterWrite();
      reads.length = 0;
      // Before the monitor notices: the read on the replica fails and the primary answers.
      for (const withToken of [undefined, token]) {
        const order = await (await routing.queriesFor(withToken)).getOrder(created.orderId);
        expect(order._unsafeUnwrap()?.version).toBe(1);
        const page = await (await routing.queriesFor(withToken)).listOrders(
          ListOrdersQuerySchema.parse({}),
        );
        expect(page.isOk()).toBe(true);
      }
      expect(reads.every(([source]) => source === 'primary')).toBe(true);
      expect(routing.status().up).toBe(false);
      await harness.replica.resume();
      await eventually(() => routing.status().up);
      await waitForReplay(db.url, readUrl);
      reads.length = 0;
      const order = await (await routing.queriesFor(token)).getOrder(created.orderId);
      expect(order._unsafeUnwrap()?.version).toBe(1);
      expect(reads).toEqual([['replica', 'replica']]);
    } finally {
      routing.stop();
    }
  });
});
