import { spawnSync } from 'node:child_process';
import { createPgEventStore, createTestDatabase, type TestDatabase } from '@oms/adapters-pg';
import { uuidv7 } from '@oms/domain';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SERVER_CLI } from './testing/serverProcess.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
});
afterAll(async () => {
  await db?.drop();
});

const event = (type: string) => ({
  eventId: uuidv7(),
  type,
  schemaVersion: 1,
  data: {},
  metadata: { correlationId: uuidv7(), causationId: null, actor: 'test' },
  occurredAt: new Date().toISOString(),
});

const relayStatus = () => {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'error' };
  const result = spawnSync(process.execPath, [SERVER_CLI, 'relay-status'], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout.trim());
};

describe('pnpm oms relay-status', () => {
  it('names the append in flight that holds the relay back: pid, application, how long', async () => {
    const caller = await db.pool.connect();
    try {
      const pid = (await caller.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]
        ?.pid;
      await caller.query("SET application_name = 'stuck-importer'");
      await caller.query('BEGIN');
      const held = await createPgEventStore(caller).appendToStream(uuidv7(), [event('test.held')], {
        expectedVersion: 0,
      });
      await createPgEventStore(db.pool).appendToStream(uuidv7(), [event('test.after')], {
        expectedVersion: 0,
      });
      const status = relayStatus();
      expect(status).toMatchObject({
        checkpoint: 0,
        lagEvents: 1,
        readableBelow: held._unsafeUnwrap().lastGlobalPosition,
        appendsInFlight: 1,
        heldBack: 1,
        blockedBy: {
          pid,
          applicationName: 'stuck-importer',
          state: 'idle in transaction',
          preparedGid: null,
        },
      });
      expect(status.blockedSeconds).toBeGreaterThanOrEqual(0);
      await caller.query('COMMIT');
      expect(relayStatus()).toMatchObject({ lagEvents: 2, heldBack: 0, blockedBy: null });
    } finally {
      await caller.query('ROLLBACK').catch(() => undefined);
      await caller.query('RESET application_name').catch(() => undefined);
      caller.release();
    }
  });
});
