import {
  createOrderCommandHandler,
  type EventStore,
  isOrder,
  ORDER_INPUT_SCHEMAS,
  stateFromEvents,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/fixtures';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgOrderStore } from '../createPgOrderStore.js';
import { runMigrations } from '../migrations/runMigrations.js';
import { createPool } from '../pool.js';
import {
  createTestDatabase,
  databaseUrlFor,
  type TestDatabase,
} from '../testing/createTestDatabase.js';
import { encryptPlainEvents } from './encryptPlainEvents.js';
import { createLocalKeyManagement, generateMasterKey } from './localKeyManagement.js';
import { rotateMasterKey } from './rotateMasterKey.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
});
afterAll(async () => {
  await db?.drop();
});

const placeOrder = async (eventStore: EventStore, email: string): Promise<string> => {
  const handle = createOrderCommandHandler({
    eventStore,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  const body = orderFixtures.seedCreateOrderBody();
  const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse({
    ...body,
    customer: { ...body.customer, email },
  });
  return (await handle({ type: 'CreateOrder', input }, { actor: 'test' }))._unsafeUnwrap().view.id;
};

const emailOf = async (eventStore: EventStore, orderId: string): Promise<string | undefined> => {
  const read = await eventStore.readStream(orderId);
  if (read.isErr()) return `error: ${read.error.message}`;
  const state = stateFromEvents(read.value.events);
  return isOrder(state) ? state.customer.email : undefined;
};

const eventBytes = async (pool: pg.Pool): Promise<string> =>
  JSON.stringify(
    (await pool.query('SELECT global_position, data FROM oms_events ORDER BY 1')).rows,
  );

describe('master key rotation', () => {
  it('re-wraps the data keys under the new master key without rewriting one event', async () => {
    const oldKey = generateMasterKey();
    const before = createPgOrderStore({
      pool: db.pool,
      keyManagement: await createLocalKeyManagement({ masterKey: oldKey }),
    });
    const orders = [
      await placeOrder(before.eventStore, 'rot-1@example.com'),
      await placeOrder(before.eventStore, 'rot-2@example.com'),
    ];
    const events = await eventBytes(db.pool);
    const newKey = generateMasterKey();
    const rotating = await createLocalKeyManagement({
      masterKey: newKey,
      previousMasterKeys: [oldKey],
    });
    expect(await rotateMasterKey(db.pool, rotating, { batchSize: 1 })).toEqual({
      rewrapped: 2,
      unknown: 0,
    });
    expect(await rotateMasterKey(db.pool, rotating)).toEqual({ rewrapped: 0, unknown: 0 });
    expect(await eventBytes(db.pool)).toBe(events);

    const onlyNew = createPgOrderStore({
      pool: db.pool,
      keyManagement: await createLocalKeyManagement({ masterKey: newKey }),
    });
    expect(await emailOf(onlyNew.eventStore, orders[0] ?? '')).toBe('rot-1@example.com');
    expect(await emailOf(onlyNew.eventStore, orders[1] ?? '')).toBe('rot-2@example.com');
    const onlyOld = createPgOrderStore({
      pool: db.pool,
      keyManagement: await createLocalKeyManagement({ masterKey: oldKey }),
    });
    expect(await emailOf(onlyOld.eventStore, orders[0] ?? '')).toMatch(/^error: .*OMS_MASTER_KEY/);
  });
});

describe('encrypting events stored before encryption', () => {
  it('plain events stay readable; the one-off command encrypts them on a copy and leaves the original alone', async () => {
    const plain = createPgOrderStore({ pool: db.pool });
    const orderId = await placeOrder(plain.eventStore, 'legacy@example.com');
    const second = await placeOrder(plain.eventStore, 'legacy@example.com');
    const keyManagement = await createLocalKeyManagement({ masterKey: generateMasterKey() });
    const encrypting = createPgOrderStore({ pool: db.pool, keyManagement });
    expect(await emailOf(encrypting.eventStore, orderId)).toBe('legacy@example.com');

    const copyName = `${new URL(db.url).pathname.slice(1)}_copy`;
    await db.pool
      .query(`CREATE DATABASE ${copyName} TEMPLATE ${new URL(db.url).pathname.slice(1)}`)
      .catch(async () => {
        // the template must have no other session: retry once the pool's idle sessions are gone
        await db.pool.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        await db.pool.query(
          `CREATE DATABASE ${copyName} TEMPLATE ${new URL(db.url).pathname.slice(1)}`,
        );
      });
    const copy = createPool(databaseUrlFor(inject('databaseUrl'), copyName), { max: 3 });
    try {
      await runMigrations(copy);
      const original = await eventBytes(db.pool);
      const copied = createPgOrderStore({ pool: copy, keyManagement });
      const report = await encryptPlainEvents(copy, copied.cipher ?? expect.fail('no cipher'), {
        batchSize: 1,
      });
      expect(report.encrypted).toBeGreaterThanOrEqual(2);
      expect(await encryptPlainEvents(copy, copied.cipher ?? expect.fail('no cipher'))).toEqual({
        encrypted: 0,
        keys: 0,
      });
      const raw = await eventBytes(copy);
      expect(raw).not.toContain('legacy@example.com');
      expect(raw).not.toContain('Lovelace');
      expect(await emailOf(copied.eventStore, orderId)).toBe('legacy@example.com');
      expect(await emailOf(copied.eventStore, second)).toBe('legacy@example.com');
      const keys = await copy.query(
        "SELECT count(DISTINCT data->'$pii'->>'k')::int AS n FROM oms_events WHERE stream_id = ANY($1)",
        [[orderId, second]],
      );
      expect(keys.rows[0].n).toBe(1);
      expect(await eventBytes(db.pool)).toBe(original);
    } finally {
      await copy.end();
      const admin = new pg.Client({ connectionString: inject('databaseUrl') });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${copyName} WITH (FORCE)`);
      await admin.end();
    }
  });
});
