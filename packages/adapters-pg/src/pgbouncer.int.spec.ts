import {
  createExecuteOrderRequest,
  ListOrdersQuerySchema,
  type OrderRequest,
  systemClock,
  uuidV7Generator,
  uuidv7,
} from '@oms/domain';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLease } from './checkpoints/acquireLease.js';
import { createPgOrderStore } from './createPgOrderStore.js';
import { createPool } from './pool.js';
import { createTestDatabase, type TestDatabase } from './testing/createTestDatabase.js';
import { createOrderRequest, testEvent } from './testing/fixtures.js';
import { type ScaleHarness, startScaleHarness } from './testing/startScaleHarness.js';

/**
 * The service behind PgBouncer in transaction mode (Debian's pgbouncer 1.18, pool of 5 server connections shared by
 * 20 clients): the pooled pool runs without named prepared statements; the relay's lease (a session advisory lock)
 * and the migrations take the direct URL.
 */
let harness: ScaleHarness;
let db: TestDatabase;
let pooled: pg.Pool;
let direct: pg.Pool;

beforeAll(async () => {
  harness = await startScaleHarness();
  db = await createTestDatabase(harness.primary.url);
  const name = new URL(db.url).pathname.slice(1);
  pooled = createPool(harness.bouncer.urlFor(name), { max: 20, preparedStatements: false });
  direct = createPool(harness.urls(name).directUrl, { max: 4 });
});
afterAll(async () => {
  await pooled?.end().catch(() => undefined);
  await direct?.end().catch(() => undefined);
  await db?.drop().catch(() => undefined);
  await harness?.stop();
});

const executeOn = (pool: pg.Pool) => {
  const store = createPgOrderStore({ pool });
  const execute = createExecuteOrderRequest({
    eventStore: store.eventStore,
    idempotency: store.idempotency,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  const run = (request: OrderRequest, key?: string) =>
    execute({
      request,
      actor: 'bouncer-test',
      ...(key ? { idempotency: { source: 'bouncer', key } } : {}),
    });
  return { store, run };
};

describe('behind PgBouncer in transaction mode', () => {
  it('appends concurrently, replays idempotent requests, lists and confirms, with more clients than server connections', async () => {
    const { store, run } = executeOn(pooled);
    const keys = Array.from({ length: 40 }, (_, i) => `bouncer-${i}-${uuidv7()}`);
    const requests = keys.map((key) => createOrderRequest({ externalId: key }));
    const first = await Promise.all(requests.map((request, i) => run(request, keys[i])));
    const orderIds = first.map((answer) => {
      const outcome = answer._unsafeUnwrap();
      if (outcome.kind !== 'accepted') throw new Error('expected an accepted create');
      expect(outcome.replayed).toBe(false);
      return outcome.orderId;
    });
    const again = await Promise.all(requests.map((request, i) => run(request, keys[i])));
    for (const [i, answer] of again.entries()) {
      const outcome = answer._unsafeUnwrap();
      expect(outcome.replayed).toBe(true);
      if (outcome.kind === 'accepted') expect(outcome.orderId).toBe(orderIds[i]);
    }
    const confirmed = await Promise.all(
      orderIds.map((orderId) => run({ type: 'ConfirmOrder', orderId })),
    );
    for (const answer of confirmed) expect(answer._unsafeUnwrap().kind).toBe('accepted');

    const page = (
      await store.queries.listOrders(ListOrdersQuerySchema.parse({ limit: '100' }))
    )._unsafeUnwrap();
    expect(page.data.map((order) => order.id).sort()).toEqual([...orderIds].sort());
    expect(page.data.every((order) => order.status === 'CONFIRMED')).toBe(true);
    const one = (await store.queries.getOrder(orderIds[0] ?? ''))._unsafeUnwrap();
    expect(one?.version).toBe(2);
  });

  it('reads the global log gap-free in order while appends run through the pooler', async () => {
    const { eventStore } = createPgOrderStore({ pool: pooled });
    const before =
      (await eventStore.readAll(0, 100_000))._unsafeUnwrap().at(-1)?.globalPosition ?? 0;
    const streams = Array.from({ length: 10 }, () => uuidv7());
    const writing = Promise.all(
      streams.map(async (streamId) => {
        for (let version = 0; version < 10; version += 1) {
          const appended = await eventStore.appendToStream(streamId, [testEvent('t.e')], {
            expectedVersion: version,
          });
          expect(appended.isOk()).toBe(true);
        }
      }),
    );
    const seen: number[] = [];
    let after = before;
    let done = false;
    void writing.then(() => {
      done = true;
    });
    while (!done || seen.length < 100) {
      const batch = (await eventStore.readAll(after, 50))._unsafeUnwrap();
      for (const event of batch) seen.push(event.globalPosition);
      after = batch.at(-1)?.globalPosition ?? after;
      if (done && batch.length === 0 && seen.length < 100) await writing;
    }
    await writing;
    expect(seen).toHaveLength(100);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    const stored = await direct.query<{ p: string }>(
      'SELECT global_position::text AS p FROM oms_events WHERE global_position > $1 ORDER BY global_position',
      [before],
    );
    expect(seen).toEqual(stored.rows.map((row) => Number(row.p)));
  });

  it('the relay lease on the direct URL excludes a second holder and is free again after release', async () => {
    const lease = await acquireLease(direct, 'bouncer-relay');
    expect(lease).not.toBeNull();
    expect(await acquireLease(direct, 'bouncer-relay')).toBeNull();
    await lease?.release();
    const again = await acquireLease(direct, 'bouncer-relay');
    expect(again).not.toBeNull();
    await again?.release();
  });

  it('a pool WITH named prepared statements breaks behind the pooler (why `preparedStatements: false`)', async () => {
    const name = new URL(db.url).pathname.slice(1);
    const named = createPool(harness.bouncer.urlFor(name), { max: 20 });
    try {
      const { eventStore } = createPgOrderStore({ pool: named });
      const results = await Promise.all(
        Array.from({ length: 40 }, () =>
          eventStore.appendToStream(uuidv7(), [testEvent('t.n')], { expectedVersion: 0 }),
        ),
      );
      expect(results.some((result) => result.isErr())).toBe(true);
    } finally {
      await named.end().catch(() => undefined);
    }
  });
});
