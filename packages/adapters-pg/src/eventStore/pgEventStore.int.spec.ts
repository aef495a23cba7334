import type { IdempotencyOutcome, RecordedEvent } from '@oms/domain';
import { uuidv7 } from '@oms/domain';
import { eventStoreContract } from '@oms/domain/testing/contract';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgOrderStore } from '../createPgOrderStore.js';
import { createLocalKeyManagement, generateMasterKey } from '../personalData/localKeyManagement.js';
import { createPool } from '../pool.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { testEvent } from '../testing/fixtures.js';
import { createPgEventStore } from './pgEventStore.js';

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

eventStoreContract('postgres', async () => createPgOrderStore({ pool: db.pool }));
eventStoreContract('postgres with personal data encrypted', async () =>
  createPgOrderStore({
    pool: db.pool,
    keyManagement: await createLocalKeyManagement({ masterKey: generateMasterKey() }),
  }),
);

const accepted: IdempotencyOutcome = { kind: 'accepted', orderId: 'o-1', version: 1 };
const refusal: IdempotencyOutcome = {
  kind: 'refused',
  error: { code: 'last-line', message: 'the last line stays', lineId: 'L1' },
};

const TAKEN_OVER = '00000000-0000-4000-8000-00000000beef';

const tail = async (
  eventStore: ReturnType<typeof createPgEventStore>,
  from: number,
): Promise<RecordedEvent[]> => {
  const seen: RecordedEvent[] = [];
  let position = from;
  for (;;) {
    const page = (await eventStore.readAll(position, 100))._unsafeUnwrap();
    if (page.length === 0) return seen;
    seen.push(...page);
    position = page.at(-1)?.globalPosition ?? position;
  }
};

describe('PostgreSQL event store', () => {
  it('lets exactly one of 50 concurrent appends at the same expected version win', async () => {
    const eventStore = createPgEventStore(wide);
    const streamId = uuidv7();
    await eventStore.appendToStream(streamId, [testEvent('test.one')], { expectedVersion: 0 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        eventStore.appendToStream(
          streamId,
          [testEvent('test.race', { index }), testEvent('test.race.second', { index })],
          { expectedVersion: 1 },
        ),
      ),
    );
    const winners = results.filter((result) => result.isOk());
    expect(winners).toHaveLength(1);
    expect(winners[0]?._unsafeUnwrap().nextVersion).toBe(3);
    const losers = results.filter((result) => result.isErr()).map((r) => r._unsafeUnwrapErr());
    expect(losers).toHaveLength(49);
    for (const error of losers) expect(error.code).toBe('concurrency-conflict');
    const read = (await eventStore.readStream(streamId))._unsafeUnwrap();
    expect(read.events.map((event) => event.streamVersion)).toEqual([1, 2, 3]);
    const winner = read.events[1]?.data as { index: number };
    expect(read.events[2]?.data).toEqual({ index: winner.index });
  });

  it('refuses an expected version ahead of the stream', async () => {
    const eventStore = createPgEventStore(db.pool);
    const streamId = uuidv7();
    await eventStore.appendToStream(streamId, [testEvent('test.one')], { expectedVersion: 0 });
    const ahead = await eventStore.appendToStream(streamId, [testEvent('test.x')], {
      expectedVersion: 5,
    });
    expect(ahead._unsafeUnwrapErr()).toMatchObject({
      code: 'concurrency-conflict',
      expectedVersion: 5,
      actualVersion: 1,
    });
  });

  it('gives 8 concurrent writers and a tailing reader every event exactly once, in position order', async () => {
    const eventStore = createPgEventStore(wide);
    const start = (await tail(eventStore, 0)).at(-1)?.globalPosition ?? 0;
    const writers = 8;
    const appendsPerWriter = 25;
    const streams = Array.from({ length: writers }, () => uuidv7());
    const expected = new Set<string>();
    const total = writers * appendsPerWriter * 2;
    const seen: RecordedEvent[] = [];
    const countOurs = () => seen.filter((event) => streams.includes(event.streamId)).length;
    // Other test files share the server: an open transaction of theirs only delays what the reader sees, so the
    // reader tails until it has every event (or gives up after a while and lets the assertions fail).
    const reader = (async () => {
      let position = start;
      const deadline = Date.now() + 30_000;
      while (countOurs() < total && Date.now() < deadline) {
        const page = (await eventStore.readAll(position, 37))._unsafeUnwrap();
        seen.push(...page);
        position = page.at(-1)?.globalPosition ?? position;
        if (page.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await Promise.all(
      streams.map(async (streamId, writer) => {
        for (let n = 0; n < appendsPerWriter; n += 1) {
          const events = [testEvent('test.w', { writer, n }), testEvent('test.w2', { writer, n })];
          for (const event of events) expected.add(event.eventId);
          const appended = await eventStore.appendToStream(streamId, events, {
            expectedVersion: n * 2,
          });
          expect(appended.isOk()).toBe(true);
        }
      }),
    );
    await reader;
    seen.push(...(await tail(eventStore, seen.at(-1)?.globalPosition ?? start)));
    const ours = seen.filter((event) => streams.includes(event.streamId));
    expect(ours).toHaveLength(writers * appendsPerWriter * 2);
    expect(new Set(ours.map((event) => event.eventId))).toEqual(expected);
    const positions = seen.map((event) => event.globalPosition);
    for (let i = 1; i < positions.length; i += 1)
      expect(positions[i]).toBeGreaterThan(positions[i - 1] ?? 0);
    for (const streamId of streams) {
      const versions = ours.filter((e) => e.streamId === streamId).map((e) => e.streamVersion);
      expect(versions).toEqual(Array.from({ length: appendsPerWriter * 2 }, (_, i) => i + 1));
    }
  });

  it('holds back an event that committed while an older transaction with events is still open', async () => {
    const eventStore = createPgEventStore(db.pool);
    const start = (await tail(eventStore, 0)).at(-1)?.globalPosition ?? 0;
    const slow = await wide.connect();
    try {
      await slow.query('BEGIN');
      const slowStore = createPgEventStore(slow);
      const slowStream = uuidv7();
      const fastStream = uuidv7();
      expect(
        (
          await slowStore.appendToStream(slowStream, [testEvent('test.slow')], {
            expectedVersion: 0,
          })
        ).isOk(),
      ).toBe(true);
      expect(
        (
          await eventStore.appendToStream(fastStream, [testEvent('test.fast')], {
            expectedVersion: 0,
          })
        ).isOk(),
      ).toBe(true);
      // The fast event is committed, but an older transaction may still commit below it: not visible yet.
      expect((await tail(eventStore, start)).filter((e) => e.streamId === fastStream)).toHaveLength(
        0,
      );
      await slow.query('COMMIT');
      const ours = (events: RecordedEvent[]) =>
        events.filter((e) => e.streamId === fastStream || e.streamId === slowStream);
      let after = ours(await tail(eventStore, start));
      for (let wait = 0; after.length < 2 && wait < 200; wait += 1) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        after = ours(await tail(eventStore, start));
      }
      expect(after.map((event) => event.type)).toEqual(['test.slow', 'test.fast']);
    } finally {
      await slow.query('ROLLBACK').catch(() => undefined);
      slow.release();
    }
  });

  it('stores nothing when the idempotency key is held by another token, and keeps the key', async () => {
    const { eventStore, idempotency } = createPgOrderStore({ pool: db.pool });
    const key = { source: 'pg-test', key: `k-${uuidv7()}` };
    const claim = (await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap();
    expect(claim.kind).toBe('claimed');
    const streamId = uuidv7();
    const refused = await eventStore.appendToStream(streamId, [testEvent('test.one')], {
      expectedVersion: 0,
      idempotency: { key, token: 'someone-else', outcome: accepted },
    });
    expect(refused._unsafeUnwrapErr().code).toBe('idempotency-key-in-flight');
    expect((await eventStore.readStream(streamId))._unsafeUnwrap().version).toBe(0);
    expect((await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap().kind).toBe(
      'in-flight',
    );
  });

  it('aborts the whole append when the key is taken over while the append runs', async () => {
    const { eventStore, idempotency } = createPgOrderStore({ pool: wide });
    const key = { source: 'pg-test', key: `k-${uuidv7()}` };
    const claim = (await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap();
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    const other = await wide.connect();
    try {
      // Another request takes the key over and has not committed yet: the append's check still sees our token.
      await other.query('BEGIN');
      await other.query(
        'UPDATE oms_idempotency_claims SET token = $3 WHERE source = $1 AND key = $2',
        [key.source, key.key, TAKEN_OVER],
      );
      const streamId = uuidv7();
      const pending = eventStore.appendToStream(streamId, [testEvent('test.one')], {
        expectedVersion: 0,
        idempotency: { key, token: claim.token, outcome: accepted },
      });
      let waiting = false;
      for (let i = 0; !waiting && i < 200; i += 1) {
        const locks = await db.pool.query(
          "SELECT count(*)::integer AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%oms_idempotency_claims%' AND datname = current_database()",
        );
        waiting = (locks.rows[0]?.n ?? 0) > 0;
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(waiting).toBe(true);
      await other.query('COMMIT');
      const result = await pending;
      expect(result._unsafeUnwrapErr().code).toBe('idempotency-key-in-flight');
      expect((await eventStore.readStream(streamId))._unsafeUnwrap()).toEqual({
        events: [],
        version: 0,
      });
      const claimed = await db.pool.query(
        'SELECT token::text FROM oms_idempotency_claims WHERE source = $1 AND key = $2',
        [key.source, key.key],
      );
      expect(claimed.rows).toEqual([{ token: TAKEN_OVER }]);
      const record = await db.pool.query(
        'SELECT 1 FROM oms_idempotency_keys WHERE source = $1 AND key = $2',
        [key.source, key.key],
      );
      expect(record.rows).toEqual([]);
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      other.release();
    }
  });

  it('completes the idempotency record of an append without events after checking the version', async () => {
    const { eventStore, idempotency } = createPgOrderStore({ pool: db.pool });
    const key = { source: 'pg-test', key: `k-${uuidv7()}` };
    const claim = (await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap();
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    const streamId = uuidv7();
    const stale = await eventStore.appendToStream(streamId, [], {
      expectedVersion: 3,
      idempotency: { key, token: claim.token, outcome: refusal },
    });
    expect(stale._unsafeUnwrapErr().code).toBe('concurrency-conflict');
    const done = await eventStore.appendToStream(streamId, [], {
      expectedVersion: 0,
      idempotency: { key, token: claim.token, outcome: refusal },
    });
    expect(done._unsafeUnwrap()).toEqual({ nextVersion: 0, lastGlobalPosition: 0 });
    expect((await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap()).toEqual({
      kind: 'replay',
      outcome: refusal,
    });
  });

  it('round-trips event fields and reads as of a time', async () => {
    const eventStore = createPgEventStore(db.pool);
    const streamId = uuidv7();
    const first = testEvent(
      'test.a',
      { nested: { x: [1, 'two', null] } },
      '2026-03-01T08:00:00.000Z',
    );
    const second = {
      ...testEvent('test.b', {}, '2026-03-01T09:00:00.000Z'),
      metadata: {
        correlationId: 'c-1',
        causationId: 'c-0',
        actor: 'kafka:oms.shipping.delivered',
        idempotencyKey: 'key-1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
    };
    const appended = (
      await eventStore.appendToStream(streamId, [first, second], { expectedVersion: 0 })
    )._unsafeUnwrap();
    const read = (await eventStore.readStream(streamId))._unsafeUnwrap();
    expect(read.events[1]).toEqual({
      ...second,
      streamId,
      streamVersion: 2,
      globalPosition: appended.lastGlobalPosition,
    });
    expect(read.events[0]?.data).toEqual(first.data);
    const asOf = (
      await eventStore.readStream(streamId, { asOf: new Date('2026-03-01T08:30:00Z') })
    )._unsafeUnwrap();
    expect(asOf.events.map((event) => event.type)).toEqual(['test.a']);
    expect(asOf.version).toBe(1);
  });
});
