import { type RecordedEvent, uuidv7 } from '@oms/domain';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../pool.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { testEvent } from '../testing/fixtures.js';
import { type LocalCluster, startLocalCluster } from '../testing/startLocalCluster.js';
import { createPgEventStore } from './pgEventStore.js';
import { readBarrierStatus } from './readBarrierStatus.js';

// A cluster of its own: these tests hold transactions open (and prepare some), which must not pin a shared server.
let cluster: LocalCluster;
let db: TestDatabase;
let other: TestDatabase;

beforeAll(async () => {
  cluster = await startLocalCluster({ max_prepared_transactions: 4 });
  db = await createTestDatabase(cluster.url);
  other = await createTestDatabase(cluster.url);
});
afterAll(async () => {
  await other?.drop();
  await db?.drop();
  await cluster?.stop();
});

const everything = async (from = 0): Promise<RecordedEvent[]> => {
  const eventStore = createPgEventStore(db.pool);
  const seen: RecordedEvent[] = [];
  let position = from;
  for (;;) {
    const page = (await eventStore.readAll(position, 500))._unsafeUnwrap();
    if (page.length === 0) return seen;
    seen.push(...page);
    position = page.at(-1)?.globalPosition ?? position;
  }
};

const appendOne = async (streamId = uuidv7(), db_: pg.Pool | pg.ClientBase = db.pool) => {
  const appended = await createPgEventStore(db_).appendToStream(streamId, [testEvent('test.one')], {
    expectedVersion: 0,
  });
  return { streamId, position: appended._unsafeUnwrap().lastGlobalPosition };
};

/** A session of its own (not from a pool), ended in the test's finally block. */
const session = async (url: string, applicationName: string): Promise<pg.Client> => {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  client.on('error', () => undefined);
  await client.connect();
  return client;
};

describe('readAll depends only on transactions that append events', () => {
  it('is not held back by a transaction holding an xid, idle, in another database', async () => {
    const idle = await session(other.url, 'idle-elsewhere');
    try {
      await idle.query('BEGIN');
      await idle.query('SELECT pg_current_xact_id()');
      const appended = [await appendOne(), await appendOne(), await appendOne()];
      const seen = await everything();
      for (const { streamId } of appended)
        expect(seen.filter((event) => event.streamId === streamId)).toHaveLength(1);
    } finally {
      await idle.end();
    }
  });

  it('is not held back by a SELECT … FOR UPDATE session or an idle writer of another table', async () => {
    const { streamId } = await appendOne();
    const locker = await session(db.url, 'for-update');
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT * FROM oms_events WHERE stream_id = $1 FOR UPDATE', [streamId]);
      await locker.query("INSERT INTO oms_checkpoints (name, position) VALUES ('idle-writer', 0)");
      const later = await appendOne();
      const seen = await everything();
      expect(seen.map((event) => event.streamId)).toContain(later.streamId);
    } finally {
      await locker.end();
    }
  });

  it('is not held back by a prepared transaction that appended nothing', async () => {
    const preparer = await session(db.url, 'preparer');
    const gid = `oms-test-${uuidv7()}`;
    try {
      await preparer.query('BEGIN');
      await preparer.query("INSERT INTO oms_checkpoints (name, position) VALUES ('prepared', 1)");
      await preparer.query(`PREPARE TRANSACTION '${gid}'`);
      const later = await appendOne();
      expect((await everything()).map((event) => event.streamId)).toContain(later.streamId);
    } finally {
      await preparer.query(`ROLLBACK PREPARED '${gid}'`).catch(() => undefined);
      await preparer.end();
    }
  });

  it('holds back what follows a prepared transaction that appended, names its gid, and releases at COMMIT PREPARED', async () => {
    const start = (await everything()).at(-1)?.globalPosition ?? 0;
    const preparer = await session(db.url, 'preparer');
    const gid = `oms-test-${uuidv7()}`;
    let prepared = false;
    try {
      await preparer.query('BEGIN');
      const slow = await appendOne(uuidv7(), preparer);
      await preparer.query(`PREPARE TRANSACTION '${gid}'`);
      prepared = true;
      const later = await appendOne();
      expect(later.position).toBeGreaterThan(slow.position);
      expect(await everything(start)).toEqual([]);

      const status = (await readBarrierStatus(db.pool))._unsafeUnwrap();
      expect(status.barrier).toBe(slow.position);
      expect(status.heldBack).toBe(1);
      expect(status.blocker).toMatchObject({
        pid: null,
        preparedGid: gid,
        position: slow.position,
      });

      await preparer.query(`COMMIT PREPARED '${gid}'`);
      prepared = false;
      expect((await everything(start)).map((event) => event.streamId)).toEqual([
        slow.streamId,
        later.streamId,
      ]);
      expect((await readBarrierStatus(db.pool))._unsafeUnwrap()).toMatchObject({
        heldBack: 0,
        blockedSeconds: 0,
        blocker: null,
      });
    } finally {
      if (prepared) await preparer.query(`ROLLBACK PREPARED '${gid}'`).catch(() => undefined);
      await preparer.end();
    }
  });

  it('reports an append left idle in a transaction: pid, application, state and how long', async () => {
    const start = (await everything()).at(-1)?.globalPosition ?? 0;
    const caller = await session(db.url, 'forgetful-caller');
    try {
      const pid = (await caller.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]
        ?.pid;
      await caller.query('BEGIN');
      const slow = await appendOne(uuidv7(), caller);
      const later = await appendOne();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const status = (await readBarrierStatus(db.pool))._unsafeUnwrap();
      expect(status).toMatchObject({
        barrier: slow.position,
        head: later.position,
        appendsInFlight: 1,
        heldBack: 1,
        blocker: {
          pid,
          applicationName: 'forgetful-caller',
          state: 'idle in transaction',
          preparedGid: null,
          position: slow.position,
        },
      });
      expect(status.blockedSeconds).toBeGreaterThanOrEqual(1);
      expect(status.blocker?.transactionSeconds).toBeGreaterThanOrEqual(1);
      await caller.query('ROLLBACK');
      expect((await everything(start)).map((event) => event.streamId)).toEqual([later.streamId]);
    } finally {
      await caller.end();
    }
  });

  it('refuses to read inside a REPEATABLE READ transaction, whose snapshot could hide a late commit', async () => {
    const pool = createPool(db.url, { max: 1 });
    const client = await pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      const read = await createPgEventStore(client).readAll(0, 10);
      expect(read._unsafeUnwrapErr()).toMatchObject({ code: 'internal' });
      expect((read._unsafeUnwrapErr() as { cause?: { code?: string } }).cause?.code).toBe('OM002');
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      await pool.end();
    }
  });
});
