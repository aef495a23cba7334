#!/usr/bin/env node
// WAL written per create with and without an Idempotency-Key, through the one write path (createExecuteOrderRequest)
// on PostgreSQL, and the key's own cost next to the previous record layout measured in the same run (the claim
// inserted, then updated with the rendered ~1.7 KB HTTP response).
import { createPgOrderStore, createPool, databaseUrlFor, runMigrations } from '@oms/adapters-pg';
import {
  createExecuteOrderRequest,
  ORDER_INPUT_SCHEMAS,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/fixtures';
import pg from 'pg';
import { flag, option } from './lib/common.mjs';
import { startBenchDatabase } from './lib/database.mjs';

const quick = flag('--quick');
const asJson = flag('--json');
const operations = option('--operations', quick ? 300 : 1_000);
const out = asJson ? process.stderr : process.stdout;
const log = (line = '') => out.write(`${line}\n`);

const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse(orderFixtures.seedCreateOrderBody());

/** The records as they were before: key only, a rendered response, completed by an UPDATE that rewrites the row. */
const PREVIOUS_LAYOUT = `
CREATE TABLE bench_previous_idempotency_keys (
  key text PRIMARY KEY, fingerprint text NOT NULL, token text NOT NULL, lease_until timestamptz NOT NULL,
  expires_at timestamptz NOT NULL, response jsonb, created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz);
CREATE INDEX bench_previous_idempotency_keys_expires_idx ON bench_previous_idempotency_keys (expires_at)`;

const walBytes = async (pool, run) => {
  await pool.query('CHECKPOINT');
  const before = (await pool.query('SELECT pg_current_wal_insert_lsn() AS lsn')).rows[0].lsn;
  for (let i = 0; i < operations; i += 1) await run(i);
  const after = await pool.query(
    'SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1) AS bytes',
    [before],
  );
  return Number(after.rows[0].bytes) / operations;
};

const main = async () => {
  const database = await startBenchDatabase('oms-bench-idem-');
  const admin = new pg.Client({ connectionString: database.baseUrl });
  await admin.connect();
  const name = `oms_bench_idem_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const pool = createPool(databaseUrlFor(database.baseUrl, name), { max: 4 });
  try {
    await runMigrations(pool);
    await pool.query(PREVIOUS_LAYOUT);
    const store = createPgOrderStore({ pool });
    const execute = createExecuteOrderRequest({
      eventStore: store.eventStore,
      idempotency: store.idempotency,
      clock: systemClock,
      ids: uuidV7Generator,
    });
    const create = async (key) => {
      const result = await execute({
        request: { type: 'CreateOrder', input },
        actor: 'bench',
        ...(key ? { idempotency: { source: 'http:bench', key } } : {}),
      });
      if (result.isErr() || result.value.kind !== 'accepted')
        throw new Error(`create failed: ${JSON.stringify(result)}`);
      return result.value;
    };
    for (let i = 0; i < 50; i += 1) await create(`warm-${i}`);

    const sample = await create('sample');
    const response = JSON.stringify({
      status: 201,
      body: sample.view,
      headers: { ETag: `"${sample.version}"`, Location: `/v1/orders/${sample.orderId}` },
    });
    const withoutKey = await walBytes(pool, () => create());
    const withKey = await walBytes(pool, (i) => create(`key-${i}`));
    const previousKeyOnly = await walBytes(pool, async (i) => {
      const key = `prev-${i}`;
      await pool.query(
        `INSERT INTO bench_previous_idempotency_keys (key, fingerprint, token, lease_until, expires_at)
         VALUES ($1, 'f', 't', now() + interval '30 seconds', now() + interval '24 hours')`,
        [key],
      );
      await pool.query(
        `UPDATE bench_previous_idempotency_keys
            SET response = $2::jsonb, completed_at = now(), expires_at = now() + interval '24 hours'
          WHERE key = $1`,
        [key, response],
      );
    });
    const rowBytes = async (sql) => Number((await pool.query(sql)).rows[0].bytes);
    const keyRow = await rowBytes(
      "SELECT avg(pg_column_size(k.*)) AS bytes FROM oms_idempotency_keys k WHERE key LIKE 'key-%'",
    );
    const previousRow = await rowBytes(
      'SELECT avg(pg_column_size(k.*)) AS bytes FROM bench_previous_idempotency_keys k',
    );
    const figures = {
      'pg.idempotency.create_wal_bytes': Math.round(withoutKey),
      'pg.idempotency.create_with_key_wal_bytes': Math.round(withKey),
      'pg.idempotency.key_wal_bytes': Math.round(withKey - withoutKey),
      'pg.idempotency.previous_layout_key_wal_bytes': Math.round(previousKeyOnly),
      'pg.idempotency.key_row_bytes': Math.round(keyRow),
      'pg.idempotency.previous_layout_key_row_bytes': Math.round(previousRow),
    };
    log(`WAL per create, ${operations} sequential creates through createExecuteOrderRequest:`);
    log(`  without a key          ${figures['pg.idempotency.create_wal_bytes']} B`);
    log(`  with an Idempotency-Key ${figures['pg.idempotency.create_with_key_wal_bytes']} B`);
    log(
      `  the key's share        ${figures['pg.idempotency.key_wal_bytes']} B (previous layout, same run: ${figures['pg.idempotency.previous_layout_key_wal_bytes']} B for claim + response update)`,
    );
    log(
      `  key row                ${figures['pg.idempotency.key_row_bytes']} B (previous layout: ${figures['pg.idempotency.previous_layout_key_row_bytes']} B)`,
    );
    // for `pnpm bench`: each figure with its unit and, where there is one, its in-run baseline
    const bytes = (value, baseline, baselineName) => ({
      value,
      unit: 'B',
      ...(baseline === undefined
        ? {}
        : { baseline, baselineUnit: 'B', baselineName, ratio: value / baseline }),
    });
    const report = {
      'pg.idempotency.create_wal_bytes': bytes(figures['pg.idempotency.create_wal_bytes']),
      'pg.idempotency.create_with_key_wal_bytes': bytes(
        figures['pg.idempotency.create_with_key_wal_bytes'],
        figures['pg.idempotency.create_wal_bytes'],
        'the same create without a key',
      ),
      'pg.idempotency.key_wal_bytes': bytes(
        figures['pg.idempotency.key_wal_bytes'],
        figures['pg.idempotency.previous_layout_key_wal_bytes'],
        'previous layout: claim + response update',
      ),
      'pg.idempotency.key_row_bytes': bytes(
        figures['pg.idempotency.key_row_bytes'],
        figures['pg.idempotency.previous_layout_key_row_bytes'],
        'previous layout: the row with the response',
      ),
    };
    if (asJson) process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await database.stop();
  }
};

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
