import { uuidv7 } from '@oms/domain';
import { eventStoreContract } from '@oms/domain/testing/contract';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgOrderStore } from '../createPgOrderStore.js';
import { createPool } from '../pool.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { testEvent } from '../testing/fixtures.js';
import { partitionEvents } from './partitionEvents.js';

let db: TestDatabase;
const streams = Array.from({ length: 20 }, () => uuidv7());
let before: { position: number; stream: string; version: number }[] = [];

const allEvents = async () =>
  (
    await db.pool.query<{ position: string; stream: string; version: number }>(
      'SELECT global_position AS position, stream_id AS stream, stream_version AS version FROM oms_events ORDER BY global_position',
    )
  ).rows.map((row) => ({ ...row, position: Number(row.position) }));

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
  const { eventStore } = createPgOrderStore({ pool: db.pool });
  for (const [i, stream] of streams.entries())
    for (let version = 0; version < (i % 3) + 1; version += 1)
      (
        await eventStore.appendToStream(stream, [testEvent('t.before')], {
          expectedVersion: version,
        })
      )._unsafeUnwrap();
  before = await allEvents();
  const report = await partitionEvents(db.pool, { partitions: 4 });
  expect(report).toMatchObject({ partitions: 4, copied: before.length, alreadyPartitioned: false });
});
afterAll(async () => {
  await db?.drop();
});

eventStoreContract('postgres, oms_events hash-partitioned by stream', async () =>
  createPgOrderStore({ pool: db.pool }),
);

describe('partitionEvents (opt-in: oms partition-events)', () => {
  it('keeps every event, in order, in a table of 4 hash partitions; a second run changes nothing', async () => {
    const after = await allEvents();
    expect(after.slice(0, before.length)).toEqual(before);
    const parts = await db.pool.query<{ relkind: string; n: number }>(
      `SELECT c.relkind, (SELECT count(*) FROM pg_inherits WHERE inhparent = c.oid)::integer AS n
         FROM pg_class c WHERE c.oid = 'oms_events'::regclass`,
    );
    expect(parts.rows).toEqual([{ relkind: 'p', n: 4 }]);
    expect(await partitionEvents(db.pool, { partitions: 8 })).toMatchObject({
      partitions: 4,
      copied: 0,
      alreadyPartitioned: true,
    });
    const { eventStore } = createPgOrderStore({ pool: db.pool });
    const stream = (await eventStore.readStream(streams[2] ?? ''))._unsafeUnwrap();
    expect(stream.events.map((event) => event.type)).toEqual(['t.before', 't.before', 't.before']);
  });

  it('still enforces the per-stream key: 20 racing appends at one version, exactly one wins, the others conflict', async () => {
    const wide = createPool(db.url, { max: 20 });
    try {
      const { eventStore } = createPgOrderStore({ pool: wide });
      const stream = uuidv7();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          eventStore.appendToStream(stream, [testEvent('t.race')], { expectedVersion: 0 }),
        ),
      );
      expect(results.filter((result) => result.isOk())).toHaveLength(1);
      for (const result of results)
        if (result.isErr()) expect(result.error.code).toBe('concurrency-conflict');
      await expect(
        wide.query(
          `INSERT INTO oms_events (global_position, stream_id, stream_version, event_id, event_type, schema_version,
                                   data, metadata, occurred_at)
           VALUES (1, $1, 1, 'dup', 't', 1, '{}', '{}', now())`,
          [stream],
        ),
      ).rejects.toMatchObject({ code: '23505' });
    } finally {
      await wide.end();
    }
  });

  it('reads the global log gap-free and in order across partitions while appends run', async () => {
    const wide = createPool(db.url, { max: 12 });
    try {
      const { eventStore } = createPgOrderStore({ pool: wide });
      const from = (await allEvents()).at(-1)?.position ?? 0;
      const writers = Array.from({ length: 10 }, () => uuidv7());
      let done = false;
      const writing = Promise.all(
        writers.map(async (stream) => {
          for (let version = 0; version < 10; version += 1)
            (
              await eventStore.appendToStream(stream, [testEvent('t.live')], {
                expectedVersion: version,
              })
            )._unsafeUnwrap();
        }),
      ).finally(() => {
        done = true;
      });
      const seen: number[] = [];
      let after = from;
      while (!done || seen.length < 100) {
        const batch = (await eventStore.readAll(after, 17))._unsafeUnwrap();
        for (const event of batch) seen.push(event.globalPosition);
        after = batch.at(-1)?.globalPosition ?? after;
        if (done && batch.length === 0) break;
      }
      await writing;
      const stored = (await allEvents())
        .filter((row) => row.position > from)
        .map((row) => row.position);
      expect(seen).toEqual(stored);
      expect(stored).toHaveLength(100);
    } finally {
      await wide.end();
    }
  });

  it('a stream read and the append’s version check touch one partition', async () => {
    const plan = await db.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT * FROM oms_events WHERE stream_id = '${streams[0]}' ORDER BY stream_version`,
    );
    const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(text.match(/oms_events_p\d+/g)?.every((name, _, all) => name === all[0])).toBe(true);
  });
});
