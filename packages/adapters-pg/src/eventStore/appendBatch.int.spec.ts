import { type IdempotencyOutcome, uuidv7 } from '@oms/domain';
import { eventStoreContract } from '@oms/domain/testing/contract';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgOrderStore } from '../createPgOrderStore.js';
import { createLocalKeyManagement, generateMasterKey } from '../personalData/localKeyManagement.js';
import { createPool } from '../pool.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { testEvent } from '../testing/fixtures.js';
import { APPEND_BATCH_STATEMENT } from './appendBatch.js';

let db: TestDatabase;
let wide: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
  wide = createPool(db.url, { max: 20 });
});
afterAll(async () => {
  await wide?.end();
  await db?.drop();
});

// One statement in flight: every append that arrives meanwhile goes into the next batch.
const ONE_AT_A_TIME = { maxInFlight: 1 } as const;

eventStoreContract('postgres, appends batched', async () =>
  createPgOrderStore({ pool: db.pool, appendBatching: ONE_AT_A_TIME }),
);
eventStoreContract('postgres, appends batched, personal data encrypted', async () =>
  createPgOrderStore({
    pool: db.pool,
    appendBatching: ONE_AT_A_TIME,
    keyManagement: await createLocalKeyManagement({ masterKey: generateMasterKey() }),
  }),
);

/** A pool whose append statements are counted by name. */
const counting = (pool: pg.Pool) => {
  const counts = new Map<string, number>();
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const counted = Object.create(pool) as pg.Pool;
  counted.query = ((...args: unknown[]) => {
    const name = (args[0] as { name?: string } | undefined)?.name;
    if (name) counts.set(name, (counts.get(name) ?? 0) + 1);
    return query(...args);
  }) as typeof pool.query;
  return { pool: counted, counts };
};

/** Append statements sent: one append alone, several in one. */
const appends = (counts: ReadonlyMap<string, number>) => ({
  alone: counts.get('oms_append_v4') ?? 0,
  batched: counts.get(APPEND_BATCH_STATEMENT) ?? 0,
});

const seedView = (id: string, version: number, status = 'DRAFT') => ({
  id,
  status,
  channel: 'ECOMMERCE',
  externalId: null,
  customer: { email: 'Buyer@Example.com', name: 'B' },
  lines: [{ lineId: 'L1' }],
  orderTotal: { amount: '59.98', currencyCode: 'USD' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version,
  paymentStatus: 'PENDING',
  holds: [],
});

/** Another writer's transaction that has inserted version 1 of a stream and not committed yet. */
const holdVersionOne = async (streamId: string) => {
  const client = await wide.connect();
  await client.query('BEGIN');
  await client.query(
    `INSERT INTO oms_events (global_position, stream_id, stream_version, event_id, event_type, schema_version,
                             data, metadata, occurred_at)
     SELECT oms_next_position(), $1, 1, $2, 'test.other', 1, '{}', '{}', now()`,
    [streamId, uuidv7()],
  );
  return {
    commit: async () => {
      await client.query('COMMIT');
    },
    /** Rolls back what is still open and gives the connection back. */
    end: async () => {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    },
  };
};

/** Whether a statement of the test database waits for a lock (within 3 s). */
const waitingForLock = async (): Promise<boolean> => {
  for (let i = 0; i < 300; i += 1) {
    const locks = await db.pool.query<{ n: number }>(
      "SELECT count(*)::integer AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
    );
    if ((locks.rows[0]?.n ?? 0) > 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
};

const accepted: IdempotencyOutcome = { kind: 'accepted', orderId: 'o-1', version: 1 };

describe('appends batched into one statement', () => {
  it('sends 40 concurrent appends to 40 streams in far fewer statements, each with its events and read-model row', async () => {
    const { pool, counts } = counting(wide);
    const { eventStore } = createPgOrderStore({ pool, appendBatching: ONE_AT_A_TIME });
    const streams = Array.from({ length: 40 }, () => uuidv7());
    const created = await Promise.all(
      streams.map((id) =>
        eventStore.appendToStream(id, [testEvent('test.a'), testEvent('test.b')], {
          expectedVersion: 0,
          snapshot: seedView(id, 2),
        }),
      ),
    );
    for (const result of created) expect(result._unsafeUnwrap().nextVersion).toBe(2);
    const confirmed = await Promise.all(
      streams.map((id) =>
        eventStore.appendToStream(id, [testEvent('test.c')], {
          expectedVersion: 2,
          snapshot: seedView(id, 3, 'CONFIRMED'),
        }),
      ),
    );
    for (const result of confirmed) expect(result._unsafeUnwrap().nextVersion).toBe(3);
    // 40 creates, then 40 confirms, issued at once: a first one alone at most, the others 32 at most per statement
    const { alone, batched } = appends(counts);
    expect(alone).toBeLessThanOrEqual(2);
    expect(alone + batched).toBeLessThanOrEqual(6);
    for (const id of streams) {
      const read = (await eventStore.readStream(id))._unsafeUnwrap();
      expect(read.events.map((event) => event.type)).toEqual(['test.a', 'test.b', 'test.c']);
    }
    const rows = await db.pool.query<{ status: string; version: number; n: number }>(
      'SELECT status, version, count(*) OVER ()::integer AS n FROM oms_orders WHERE id = ANY($1::uuid[])',
      [streams],
    );
    expect(rows.rows).toHaveLength(40);
    for (const row of rows.rows) expect(row).toMatchObject({ status: 'CONFIRMED', version: 3 });
    // positions: one append's events are consecutive, and every position is unique
    const positions = await db.pool.query<{ p: string }>(
      'SELECT global_position::text AS p FROM oms_events WHERE stream_id = ANY($1)',
      [streams],
    );
    expect(new Set(positions.rows.map((row) => row.p)).size).toBe(120);
  });

  it('sends the next appends of callers that one statement answered together, not the first of them alone', async () => {
    const { pool, counts } = counting(wide);
    const { eventStore } = createPgOrderStore({ pool, appendBatching: ONE_AT_A_TIME });
    // eight callers, each appending ten times in a row, as requests do: after the first round every round is one
    // statement (the first statement of all goes alone; the old rule sent each round's first append alone: ~20)
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const streamId = uuidv7();
        for (let version = 0; version < 10; version += 1) {
          const result = await eventStore.appendToStream(streamId, [testEvent('test.n')], {
            expectedVersion: version,
          });
          expect(result.isOk()).toBe(true);
        }
      }),
    );
    const { alone, batched } = appends(counts);
    expect(alone + batched).toBeLessThanOrEqual(12);
  });

  it('answers each append of a batch on its own: a stale version is a conflict, the others go in', async () => {
    const { pool, counts } = counting(wide);
    const { eventStore } = createPgOrderStore({ pool, appendBatching: ONE_AT_A_TIME });
    const stale = uuidv7();
    await eventStore.appendToStream(stale, [testEvent('test.a'), testEvent('test.b')], {
      expectedVersion: 0,
    });
    const fresh = Array.from({ length: 6 }, () => uuidv7());
    // the eight appends issued at once: the first alone at most, the others together
    const results = await Promise.all([
      eventStore.appendToStream(uuidv7(), [testEvent('test.first')], { expectedVersion: 0 }),
      eventStore.appendToStream(stale, [testEvent('test.late')], { expectedVersion: 1 }),
      ...fresh.map((id) =>
        eventStore.appendToStream(id, [testEvent('test.a')], { expectedVersion: 0 }),
      ),
    ]);
    expect(results[1]?._unsafeUnwrapErr()).toMatchObject({
      code: 'concurrency-conflict',
      expectedVersion: 1,
      actualVersion: 2,
    });
    for (const result of [results[0], ...results.slice(2)]) expect(result?.isOk()).toBe(true);
    expect((await eventStore.readStream(stale))._unsafeUnwrap().version).toBe(2);
    // the seed alone, the eight in one statement or the first alone and seven in one (the conflict did not fail it)
    const { alone, batched } = appends(counts);
    expect(batched).toBe(1);
    expect(alone).toBeLessThanOrEqual(2);
  });

  it('lets exactly one of 30 concurrent appends to one stream win (they never share a statement)', async () => {
    const { eventStore } = createPgOrderStore({ pool: wide, appendBatching: ONE_AT_A_TIME });
    const streamId = uuidv7();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        eventStore.appendToStream(streamId, [testEvent('test.race', { index })], {
          expectedVersion: 0,
        }),
      ),
    );
    expect(results.filter((result) => result.isOk())).toHaveLength(1);
    for (const result of results.filter((r) => r.isErr()))
      expect(result._unsafeUnwrapErr().code).toBe('concurrency-conflict');
    expect((await eventStore.readStream(streamId))._unsafeUnwrap().version).toBe(1);
  });

  it('completes the idempotency records of a batch, and refuses only the append whose key is held by another token', async () => {
    const { pool, counts } = counting(wide);
    const { eventStore, idempotency } = createPgOrderStore({
      pool,
      appendBatching: ONE_AT_A_TIME,
    });
    const claims = [];
    for (let index = 0; index < 5; index += 1) {
      const key = { source: 'pg-test', key: `k-${uuidv7()}` };
      const claim = (await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap();
      if (claim.kind !== 'claimed') throw new Error('expected a claim');
      // the third append presents a token that is not the claim's
      claims.push({ key, token: index === 2 ? 'someone-else' : claim.token, streamId: uuidv7() });
    }
    const [first, ...keyed] = await Promise.all([
      eventStore.appendToStream(uuidv7(), [testEvent('test.first')], { expectedVersion: 0 }),
      ...claims.map(({ key, token, streamId }) =>
        eventStore.appendToStream(streamId, [testEvent('test.a')], {
          expectedVersion: 0,
          idempotency: { key, token, outcome: accepted },
        }),
      ),
    ]);
    expect(first?.isOk()).toBe(true);
    for (const [index, { key, streamId }] of claims.entries()) {
      const again = (await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap();
      const version = (await eventStore.readStream(streamId))._unsafeUnwrap().version;
      if (index === 2) {
        expect(keyed[index]?._unsafeUnwrapErr().code).toBe('idempotency-key-in-flight');
        expect(version).toBe(0);
        // its claim is still held
        expect(again.kind).toBe('in-flight');
      } else {
        expect(keyed[index]?.isOk()).toBe(true);
        expect(version).toBe(1);
        expect(again).toEqual({ kind: 'replay', outcome: accepted });
      }
    }
    expect(counts.get(APPEND_BATCH_STATEMENT)).toBe(1);
  });

  it('sends each append again alone when the batch statement fails, so only the one that lost a race fails', async () => {
    const { pool, counts } = counting(wide);
    const { eventStore } = createPgOrderStore({ pool, appendBatching: ONE_AT_A_TIME });
    const contested = uuidv7();
    // another writer has inserted version 1 of the stream and not committed yet: the batch's insert waits on it
    const other = await holdVersionOne(contested);
    try {
      const fresh = Array.from({ length: 4 }, () => uuidv7());
      const first = eventStore.appendToStream(uuidv7(), [testEvent('test.first')], {
        expectedVersion: 0,
      });
      const batch = [contested, ...fresh].map((id) =>
        eventStore.appendToStream(id, [testEvent('test.a')], { expectedVersion: 0 }),
      );
      expect(await waitingForLock()).toBe(true);
      // the stalled statement no longer holds the one slot: appends after it go through while it waits
      const later = await eventStore.appendToStream(uuidv7(), [testEvent('test.later')], {
        expectedVersion: 0,
      });
      expect(later.isOk()).toBe(true);
      await other.commit();
      expect((await first).isOk()).toBe(true);
      const results = await Promise.all(batch);
      expect(results[0]?._unsafeUnwrapErr().code).toBe('concurrency-conflict');
      for (const result of results.slice(1)) expect(result.isOk()).toBe(true);
      for (const id of fresh)
        expect((await eventStore.readStream(id))._unsafeUnwrap().version).toBe(1);
      // the first alone and the five in one statement that failed, then each of the five alone; the later one alone
      expect(appends(counts)).toEqual({ alone: 7, batched: 1 });
    } finally {
      await other.end();
    }
  });

  it('answers service-unavailable, and stores nothing, for an append that waited in the queue too long', async () => {
    const { eventStore } = createPgOrderStore({
      pool: wide,
      appendBatching: { maxInFlight: 1, stallMs: 60_000, maxWaitMs: 100 },
    });
    const contested = uuidv7();
    const other = await holdVersionOne(contested);
    try {
      // the one slot is taken by an append that waits for the lock; the next one waits in the queue
      const blocked = eventStore.appendToStream(contested, [testEvent('test.a')], {
        expectedVersion: 0,
      });
      expect(await waitingForLock()).toBe(true);
      const queuedStream = uuidv7();
      const queued = eventStore.appendToStream(queuedStream, [testEvent('test.q')], {
        expectedVersion: 0,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other.commit();
      expect((await blocked)._unsafeUnwrapErr().code).toBe('concurrency-conflict');
      expect((await queued)._unsafeUnwrapErr().code).toBe('service-unavailable');
      expect((await eventStore.readStream(queuedStream))._unsafeUnwrap().version).toBe(0);
    } finally {
      await other.end();
    }
  });
});
