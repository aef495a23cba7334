import { uuidv7 } from '@oms/domain';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgEventStore } from './eventStore/pgEventStore.js';
import { createPool, DEFAULT_SESSION_TIMEOUTS, pingDatabase } from './pool.js';
import { createTestDatabase, type TestDatabase } from './testing/createTestDatabase.js';
import { testEvent } from './testing/fixtures.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
});
afterAll(async () => {
  await db?.drop();
});

const settingsOf = async (pool: ReturnType<typeof createPool>) =>
  (
    await pool.query<{ statement: number; lock: number; idle: number }>(
      `SELECT max(setting::integer) FILTER (WHERE name = 'statement_timeout') AS statement,
              max(setting::integer) FILTER (WHERE name = 'lock_timeout') AS lock,
              max(setting::integer) FILTER (WHERE name = 'idle_in_transaction_session_timeout') AS idle
         FROM pg_settings`,
    )
  ).rows[0];

describe('createPool session timeouts', () => {
  it('gives every session statement, lock and idle-in-transaction timeouts by default', async () => {
    const pool = createPool(db.url, { max: 1 });
    try {
      expect(await settingsOf(pool)).toEqual({
        statement: DEFAULT_SESSION_TIMEOUTS.statementTimeoutMillis,
        lock: DEFAULT_SESSION_TIMEOUTS.lockTimeoutMillis,
        idle: DEFAULT_SESSION_TIMEOUTS.idleInTransactionTimeoutMillis,
      });
    } finally {
      await pool.end();
    }
  });

  it('answers service-unavailable within the lock timeout when a row is locked, and keeps serving reads', async () => {
    const pool = createPool(db.url, { max: 4, lockTimeoutMillis: 300 });
    const eventStore = createPgEventStore(pool);
    const streamId = uuidv7();
    await eventStore.appendToStream(streamId, [testEvent('test.one')], { expectedVersion: 0 });
    const locker = await db.pool.connect();
    try {
      await locker.query('BEGIN');
      // Another writer has appended version 2 and not committed: appends at version 1 wait on its index entry.
      await createPgEventStore(locker).appendToStream(streamId, [testEvent('test.held')], {
        expectedVersion: 1,
      });
      const started = Date.now();
      const appends = await Promise.all(
        Array.from({ length: 3 }, () =>
          eventStore.appendToStream(streamId, [testEvent('test.two')], { expectedVersion: 1 }),
        ),
      );
      for (const result of appends)
        expect(result._unsafeUnwrapErr().code).toBe('service-unavailable');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await eventStore.readStream(streamId))._unsafeUnwrap().version).toBe(1);
      expect((await pingDatabase(pool)).isOk()).toBe(true);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
      await pool.end();
    }
  });

  it('ends a session left idle in a transaction, and the pool goes on with a new one', async () => {
    const pool = createPool(db.url, { max: 1, idleInTransactionTimeoutMillis: 300 });
    try {
      const client = await pool.connect();
      // A checked-out client has no pool listener: whoever holds one listens for its errors.
      const errors: Error[] = [];
      client.on('error', (error) => errors.push(error));
      await client.query('BEGIN');
      await client.query('SELECT pg_current_xact_id()');
      await new Promise((resolve) => setTimeout(resolve, 800));
      await expect(client.query('SELECT 1')).rejects.toThrow();
      expect(errors.map((error) => (error as { code?: string }).code)).toContain('25P03');
      client.release(true);
      expect((await pingDatabase(pool)).isOk()).toBe(true);
    } finally {
      await pool.end();
    }
  });
});
