#!/usr/bin/env node
// The write path's storage cost and the two-filter listing (issue #13), on one database in one run:
// - WAL (pg_current_wal_insert_lsn over N operations, after a CHECKPOINT and a warm-up, so that full-page images of
//   pages touched before stay out) and heap bytes per create, confirm and create with an Idempotency-Key, through
//   createExecuteOrderRequest; beside the floor: the same order.created event appended alone (event row, its two
//   index entries, commit), no read model, no key.
// - The list page p50 with two filters (status + channel) at 200k orders beside the one-filter page (status).
import { performance } from 'node:perf_hooks';
import { createPgOrderStore, createPool, databaseUrlFor, runMigrations } from '@oms/adapters-pg';
import {
  createExecuteOrderRequest,
  ORDER_INPUT_SCHEMAS,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/fixtures';
import pg from 'pg';
import { flag, median, option } from './lib/common.mjs';
import { startBenchDatabase } from './lib/database.mjs';

const quick = flag('--quick');
const asJson = flag('--json');
const operations = option('--operations', quick ? 300 : 1_000);
const listOrders = option('--orders', 200_000);
const listSamples = quick ? 100 : 300;
const out = asJson ? process.stderr : process.stdout;
const log = (line = '') => out.write(`${line}\n`);
const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse(orderFixtures.seedCreateOrderBody());

const SEED_SQL = `
INSERT INTO oms_orders (id, status, channel, payment_status, customer_email, created_at, updated_at, version,
                        line_count, order_total, currency_code)
SELECT gen_random_uuid(),
       (ARRAY['DRAFT','CONFIRMED','PARTIALLY_SHIPPED','SHIPPED','DELIVERED','COMPLETED','CANCELLED','UNFULFILLABLE'])[1 + n % 8],
       (ARRAY['ECOMMERCE','MARKETPLACE','B2B','DIRECT'])[1 + (n / 8) % 4],
       (ARRAY['PENDING','AUTHORIZED','CAPTURED','FAILED','VOIDED'])[1 + n % 5],
       'buyer' || (n % 20000) || '@example.com',
       timestamptz '2025-01-01' + n * interval '7 seconds', timestamptz '2025-01-01' + n * interval '7 seconds',
       1, 1, '59.98', 'USD'
  FROM generate_series($1::integer, $2::integer) AS n`;

const main = async () => {
  const database = await startBenchDatabase('oms-bench-write-');
  const admin = new pg.Client({ connectionString: database.baseUrl });
  await admin.connect();
  const name = `oms_bench_write_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const pool = createPool(databaseUrlFor(database.baseUrl, name), { max: 2 });
  try {
    await runMigrations(pool);
    const store = createPgOrderStore({ pool });
    const execute = createExecuteOrderRequest({
      eventStore: store.eventStore,
      idempotency: store.idempotency,
      clock: systemClock,
      ids: uuidV7Generator,
    });
    const run = async (request, key) => {
      const result = await execute({
        request,
        actor: 'bench',
        ...(key ? { idempotency: { source: 'http:bench', key } } : {}),
      });
      if (result.isErr() || result.value.kind !== 'accepted')
        throw new Error(`command failed: ${JSON.stringify(result)}`);
      return result.value;
    };
    const create = (key) => run({ type: 'CreateOrder', input }, key);
    const sample = await create();
    const createdEvent = (await store.eventStore.readStream(sample.orderId))._unsafeUnwrap()
      .events[0];
    const floor = async () => {
      const appended = await store.eventStore.appendToStream(
        uuidV7Generator.next(),
        [{ ...createdEvent, eventId: uuidV7Generator.next() }],
        { expectedVersion: 0 },
      );
      if (appended.isErr()) throw new Error(appended.error.message);
    };
    const size = async () =>
      Number(
        (
          await pool.query(
            "SELECT sum(pg_relation_size(c.oid))::bigint AS b FROM pg_class c WHERE c.relname IN ('oms_events', 'oms_orders', 'oms_idempotency_keys')",
          )
        ).rows[0].b,
      );
    const measure = async (label, prepare, operation) => {
      // The checkpoint first: pages the preparation touches (the orders to confirm) carry no full-page image later.
      await pool.query('CHECKPOINT');
      const prepared = [];
      for (let i = 0; i < operations + 50; i += 1) prepared.push(await prepare(i));
      for (let i = 0; i < 50; i += 1) await operation(prepared[i], `warm-${label}-${i}`);
      const lsn = (await pool.query('SELECT pg_current_wal_insert_lsn() AS l')).rows[0].l;
      const heapBefore = await size();
      for (let i = 50; i < operations + 50; i += 1) await operation(prepared[i], `${label}-${i}`);
      const wal = await pool.query(
        'SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1)::float8 AS b',
        [lsn],
      );
      return { wal: wal.rows[0].b / operations, heap: ((await size()) - heapBefore) / operations };
    };
    const noop = async () => undefined;
    const results = {
      floor: await measure('floor', noop, () => floor()),
      create: await measure('create', noop, () => create()),
      confirm: await measure(
        'confirm',
        async () => (await create()).orderId,
        (orderId) => run({ type: 'ConfirmOrder', orderId }),
      ),
      createWithKey: await measure('key', noop, (_, key) => create(key)),
    };
    for (const [label, { wal, heap }] of Object.entries(results))
      log(
        `  ${label.padEnd(14)} WAL ${wal.toFixed(0).padStart(6)} B   heap ${heap.toFixed(0).padStart(6)} B`,
      );

    // The listing at 200k orders: channel alone, then status + channel (combinations of every size exist).
    await pool.query('TRUNCATE oms_orders');
    for (let from = 1; from <= listOrders; from += 100_000)
      await pool.query(SEED_SQL, [from, Math.min(listOrders, from + 99_999)]);
    await pool.query('VACUUM ANALYZE oms_orders');
    const p50 = async (query) => {
      for (let i = 0; i < 10; i += 1) await store.queries.listOrders(query);
      const times = [];
      for (let i = 0; i < listSamples; i += 1) {
        const t0 = performance.now();
        const page = await store.queries.listOrders(query);
        times.push(performance.now() - t0);
        if (page.isErr()) throw new Error(page.error.message);
      }
      return median(times);
    };
    const noFilter = await p50({ limit: 20 });
    const oneFilter = await p50({ limit: 20, status: ['CANCELLED'] });
    const channelOnly = await p50({ limit: 20, channel: 'B2B' });
    const twoFilters = await p50({ limit: 20, status: ['CANCELLED'], channel: 'B2B' });
    log(
      `  list page at ${listOrders} orders (p50): no filter ${noFilter.toFixed(2)} ms, status ${oneFilter.toFixed(2)} ms, channel ${channelOnly.toFixed(2)} ms, status + channel ${twoFilters.toFixed(2)} ms`,
    );
    const figure = (value, unit, baseline, baselineName) => ({
      value,
      unit,
      baseline,
      baselineUnit: unit,
      baselineName,
      ratio: value / baseline,
    });
    const floorName =
      'floor: the order.created event appended alone (row, 2 index entries, commit)';
    const figures = {
      'pg.write.create_wal_bytes': figure(results.create.wal, 'B', results.floor.wal, floorName),
      'pg.write.confirm_wal_bytes': figure(results.confirm.wal, 'B', results.floor.wal, floorName),
      'pg.write.create_with_key_wal_bytes': figure(
        results.createWithKey.wal,
        'B',
        results.floor.wal,
        floorName,
      ),
      'pg.write.create_heap_bytes': figure(
        results.create.heap,
        'B',
        results.floor.heap,
        'floor: the event row alone',
      ),
      'pg.write.create_with_key_heap_bytes': figure(
        results.createWithKey.heap,
        'B',
        results.floor.heap,
        'floor: the event row alone',
      ),
      [`pg.list.two_filters_p50_ms.${listOrders / 1000}k`]: figure(
        twoFilters,
        'ms',
        oneFilter,
        'one filter (status), same table',
      ),
    };
    if (asJson) process.stdout.write(`${JSON.stringify(figures)}\n`);
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
