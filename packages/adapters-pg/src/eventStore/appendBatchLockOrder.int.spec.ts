import { uuidv7 } from '@oms/domain';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgOrderStore } from '../createPgOrderStore.js';
import { createPool } from '../pool.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { testEvent } from '../testing/fixtures.js';
import { APPEND_BATCH_STATEMENT } from './appendBatch.js';

let db: TestDatabase;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await db?.drop();
});

/**
 * Holds each batch statement until the other process has one to send too (50 ms at most), then lets both go: their
 * statements run at the same moment, as two busy servers' do now and then.
 */
const rendezvous = () => {
  let waiting: (() => void) | undefined;
  return () =>
    new Promise<void>((go) => {
      const other = waiting;
      if (other) {
        waiting = undefined;
        other();
        go();
        return;
      }
      const timer = setTimeout(() => {
        waiting = undefined;
        go();
      }, 50);
      waiting = () => {
        clearTimeout(timer);
        go();
      };
    });
};

/**
 * One server process's pool: its own connections, a deadlock detected after 100 ms instead of 1 s (so that a
 * deadlock costs this test little), and the SQLSTATE of every batch statement that failed.
 */
const processPool = (together: () => Promise<void>) => {
  const pool = createPool(db.url, { max: 4 });
  pools.push(pool);
  pool.on('connect', (client) => {
    client.query('SET deadlock_timeout = 100').catch(() => undefined);
  });
  const failures: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const watched = Object.create(pool) as pg.Pool;
  watched.query = ((...args: unknown[]) => {
    if ((args[0] as { name?: string } | undefined)?.name !== APPEND_BATCH_STATEMENT)
      return query(...args);
    const sent = together().then(() => query(...args));
    sent.catch((error: { code?: string }) => failures.push(error.code ?? 'unknown'));
    return sent;
  }) as typeof pool.query;
  return { pool: watched, failures };
};

describe('batch statements of several processes', () => {
  it('never deadlock on each other: appends to the same streams, batched in opposite orders, one winner per stream', async () => {
    const together = rendezvous();
    const first = processPool(together);
    const second = processPool(together);
    const batching = { maxInFlight: 1 } as const;
    const one = createPgOrderStore({ pool: first.pool, appendBatching: batching }).eventStore;
    const other = createPgOrderStore({ pool: second.pool, appendBatching: batching }).eventStore;
    const streams = Array.from({ length: 16 }, () => uuidv7());
    for (const id of streams)
      (await one.appendToStream(id, [testEvent('test.a')], { expectedVersion: 0 }))._unsafeUnwrap();

    for (let version = 1; version <= 60; version += 1) {
      // both processes append to every stream at once, one in the streams' order and the other in reverse: each
      // sends its first append alone (nothing in flight) and the other eleven in one statement
      const appendAll = (store: typeof one, order: readonly string[]) =>
        order.map((id) =>
          store.appendToStream(id, [testEvent('test.b')], { expectedVersion: version }),
        );
      const results = await Promise.all([
        ...appendAll(one, streams),
        ...appendAll(other, [...streams].reverse()),
      ]);
      const won = results.filter((result) => result.isOk()).length;
      expect(won).toBe(streams.length);
      for (const result of results)
        if (result.isErr()) expect(result.error.code).toBe('concurrency-conflict');
    }

    // a batch that lost a race on the unique key (23505) goes again alone, as documented; with the appends of a
    // batch locked in the order they came in, the reversed batches deadlocked (40P01) instead, a second each
    const failures = [...first.failures, ...second.failures];
    expect(failures.filter((code) => code !== '23505')).toEqual([]);
    const versions = await db.pool.query<{ v: number }>(
      'SELECT max(stream_version) AS v FROM oms_events WHERE stream_id = ANY($1) GROUP BY stream_id',
      [streams],
    );
    expect(versions.rows.map((row) => row.v)).toEqual(streams.map(() => 61));
  });
});
