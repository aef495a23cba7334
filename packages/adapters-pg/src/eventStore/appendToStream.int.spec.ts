import { type RecordedEvent, uuidv7 } from '@oms/domain';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { testEvent } from '../testing/fixtures.js';
import { createPgEventStore } from './pgEventStore.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
});
afterAll(async () => {
  await db?.drop();
});

const readAllOf = async (streamIds: readonly string[]): Promise<RecordedEvent[]> => {
  const eventStore = createPgEventStore(db.pool);
  const seen: RecordedEvent[] = [];
  let position = 0;
  for (;;) {
    const page = (await eventStore.readAll(position, 500))._unsafeUnwrap();
    if (page.length === 0) return seen.filter((event) => streamIds.includes(event.streamId));
    seen.push(...page);
    position = page.at(-1)?.globalPosition ?? position;
  }
};

describe('appendToStream inside a caller transaction', () => {
  it("keeps an order's v2 after its v1 when the caller's transaction began (and wrote) before v1 was appended", async () => {
    const orderId = uuidv7();
    const caller = await db.pool.connect();
    try {
      await caller.query('BEGIN');
      // The caller's transaction writes something first (it now holds an older transaction id than v1's).
      const before = uuidv7();
      expect(
        (
          await createPgEventStore(caller).appendToStream(before, [testEvent('test.before')], {
            expectedVersion: 0,
          })
        ).isOk(),
      ).toBe(true);
      const v1 = await createPgEventStore(db.pool).appendToStream(orderId, [testEvent('test.v1')], {
        expectedVersion: 0,
      });
      const v2 = await createPgEventStore(caller).appendToStream(orderId, [testEvent('test.v2')], {
        expectedVersion: 1,
      });
      await caller.query('COMMIT');
      expect(v2._unsafeUnwrap().lastGlobalPosition).toBeGreaterThan(
        v1._unsafeUnwrap().lastGlobalPosition,
      );
      const read = await readAllOf([orderId, before]);
      expect(read.filter((e) => e.streamId === orderId).map((e) => e.type)).toEqual([
        'test.v1',
        'test.v2',
      ]);
      expect(read.map((e) => e.type)).toEqual(['test.before', 'test.v1', 'test.v2']);
    } finally {
      await caller.query('ROLLBACK').catch(() => undefined);
      caller.release();
    }
  });

  it('takes several appends in one caller transaction, in the order they were made', async () => {
    const first = uuidv7();
    const second = uuidv7();
    const caller = await db.pool.connect();
    try {
      await caller.query('BEGIN');
      const eventStore = createPgEventStore(caller);
      const a = await eventStore.appendToStream(first, [testEvent('test.a')], {
        expectedVersion: 0,
      });
      const b = await eventStore.appendToStream(second, [testEvent('test.b')], {
        expectedVersion: 0,
      });
      const c = await eventStore.appendToStream(first, [testEvent('test.c')], {
        expectedVersion: 1,
      });
      await caller.query('COMMIT');
      const positions = [a, b, c].map((result) => result._unsafeUnwrap().lastGlobalPosition);
      expect([...positions].sort((x, y) => x - y)).toEqual(positions);
      expect((await readAllOf([first, second])).map((e) => e.type)).toEqual([
        'test.a',
        'test.b',
        'test.c',
      ]);
    } finally {
      await caller.query('ROLLBACK').catch(() => undefined);
      caller.release();
    }
  });

  it('holds two advisory locks however many appends the transaction makes, and holds back what follows it', async () => {
    const caller = await db.pool.connect();
    const streams = Array.from({ length: 40 }, () => uuidv7());
    try {
      await caller.query('BEGIN');
      const eventStore = createPgEventStore(caller);
      for (const streamId of streams)
        expect(
          (
            await eventStore.appendToStream(streamId, [testEvent('test.bulk')], {
              expectedVersion: 0,
            })
          ).isOk(),
        ).toBe(true);
      const locks = await caller.query<{ n: number }>(
        `SELECT count(*)::integer AS n FROM pg_locks
          WHERE locktype = 'advisory' AND pid = pg_backend_pid()`,
      );
      expect(locks.rows[0]?.n).toBe(2);
      const after = uuidv7();
      await createPgEventStore(db.pool).appendToStream(after, [testEvent('test.after')], {
        expectedVersion: 0,
      });
      expect(await readAllOf([...streams, after])).toEqual([]);
      await caller.query('COMMIT');
      const read = await readAllOf([...streams, after]);
      expect(read.map((event) => event.streamId)).toEqual([...streams, after]);
    } finally {
      await caller.query('ROLLBACK').catch(() => undefined);
      caller.release();
    }
  });
});
