import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListOrdersQuerySchema, uuidv7 } from '@oms/domain';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgOrderStore } from './createPgOrderStore.js';
import {
  type EmbeddedPostgresHandle,
  startEmbeddedPostgres,
} from './embedded/startEmbeddedPostgres.js';
import { runMigrations } from './migrations/runMigrations.js';
import { createPool } from './pool.js';
import { createTestDatabase, type TestDatabase } from './testing/createTestDatabase.js';
import { testEvent } from './testing/fixtures.js';

const eventually = async <T>(run: () => PromiseLike<T>, ok: (value: T) => boolean): Promise<T> => {
  let value = await run();
  for (let i = 0; !ok(value) && i < 100; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await run();
  }
  return value;
};

describe('database outage', () => {
  let folder: string;
  let server: EmbeddedPostgresHandle | undefined;
  let pool: pg.Pool;
  const poolErrors: Error[] = [];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'oms-pg-outage-'));
    // Our own folder: the postgres user that runs the server (as root) must be able to enter it.
    await chmod(folder, 0o755);
    server = await startEmbeddedPostgres({
      dataDir: join(folder, 'data'),
      postgresFlags: ['-c', 'fsync=off'],
    });
    pool = createPool(server.url, {
      max: 4,
      connectionTimeoutMillis: 2_000,
      onError: (error) => poolErrors.push(error),
    });
    await runMigrations(pool);
  });
  afterAll(async () => {
    await pool?.end().catch(() => undefined);
    await server?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('answers service-unavailable while the server is down and works again after it restarts', async () => {
    const { eventStore, idempotency, queries } = createPgOrderStore({ pool });
    const streamId = uuidv7();
    expect(
      (
        await eventStore.appendToStream(streamId, [testEvent('t.1')], { expectedVersion: 0 })
      ).isOk(),
    ).toBe(true);
    const port = server?.port;
    await server?.stop();

    const down = [
      await eventStore.appendToStream(streamId, [testEvent('t.2')], { expectedVersion: 1 }),
      await eventStore.readStream(streamId),
      await eventStore.readAll(0, 10),
      await queries.getOrder(streamId),
      await queries.listOrders(ListOrdersQuerySchema.parse({})),
      await idempotency.claim({ source: 'outage', key: 'k', fingerprint: 'f' }),
    ];
    for (const result of down) expect(result._unsafeUnwrapErr().code).toBe('service-unavailable');

    server = await startEmbeddedPostgres({ dataDir: join(folder, 'data'), port });
    const appended = await eventually(
      () => eventStore.appendToStream(streamId, [testEvent('t.2')], { expectedVersion: 1 }),
      (result) => result.isOk() || result.error.code !== 'service-unavailable',
    );
    expect(appended._unsafeUnwrap().nextVersion).toBe(2);
    expect((await eventStore.readStream(streamId))._unsafeUnwrap().version).toBe(2);
  });
});

describe('terminated connections', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('survives pg_terminate_backend of every pooled connection', async () => {
    const { eventStore } = createPgOrderStore({ pool: db.pool });
    const streamId = uuidv7();
    await Promise.all([
      eventStore.readAll(0, 1),
      eventStore.readAll(0, 1),
      eventStore.readAll(0, 1),
    ]);
    const admin = createPool(inject('databaseUrl'), { max: 1 });
    try {
      const killed = await admin.query(
        'SELECT count(pg_terminate_backend(pid))::integer AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [new URL(db.url).pathname.slice(1)],
      );
      expect(killed.rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    const results = [];
    for (let i = 0; i < 5; i += 1)
      results.push(
        await eventStore.appendToStream(streamId, [testEvent('t')], { expectedVersion: 0 }),
      );
    const firstOk = results.findIndex((result) => result.isOk());
    expect(firstOk).toBeGreaterThanOrEqual(0);
    for (const failed of results.slice(0, firstOk))
      expect(failed._unsafeUnwrapErr().code).toBe('service-unavailable');
    for (const later of results.slice(firstOk + 1))
      expect(later._unsafeUnwrapErr().code).toBe('concurrency-conflict');
  });
});
