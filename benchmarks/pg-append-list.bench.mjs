#!/usr/bin/env node
import { performance } from 'node:perf_hooks';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { createPgOrderStore, createPool, databaseUrlFor, runMigrations } from '@oms/adapters-pg';
import {
  decide,
  fold,
  initialState,
  ORDER_INPUT_SCHEMAS,
  toCommand,
  toOrderView,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/fixtures';
import pg from 'pg';
import { flag, median, option, percentile } from './lib/common.mjs';
import { startBenchDatabase } from './lib/database.mjs';

const quick = flag('--quick');
// synchronous_commit=off for every benchmark session: takes the disk's flush latency out, leaving CPU and round trips.
const asyncCommit = flag('--async-commit');
const skipList = flag('--skip-list');
const sessionOptions = asyncCommit ? { options: '-c synchronous_commit=off' } : {};
const asJson = flag('--json');
const runs = option('--runs', quick ? 2 : 7);
const seconds = option('--seconds', quick ? 1 : 2);
const concurrencies = [1, 8, 32];
const listSizes = quick ? [10_000, 100_000] : [10_000, 1_000_000];
const listSamples = quick ? 100 : 300;
const out = asJson ? process.stderr : process.stdout;
const log = (line = '') => out.write(`${line}\n`);

// ---- a realistic payload: the order.created event of the seed example (~700 bytes) and its view (~1 KB)
const ids = uuidV7Generator;
const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse(orderFixtures.seedCreateOrderBody());
const sampleId = ids.next();
const sampleEvents = decide(
  toCommand({ type: 'CreateOrder', input }, sampleId, new Date().toISOString(), ids),
  initialState(),
)._unsafeUnwrap();
const eventData = sampleEvents[0].data;
const sampleView = toOrderView(fold(sampleEvents));
const eventBytes = JSON.stringify(eventData).length;

const newEvents = () => {
  const now = new Date().toISOString();
  const metadata = { correlationId: ids.next(), causationId: null, actor: 'bench' };
  return [
    {
      eventId: ids.next(),
      type: 'bench.first',
      schemaVersion: 1,
      data: eventData,
      metadata,
      occurredAt: now,
    },
    {
      eventId: ids.next(),
      type: 'bench.second',
      schemaVersion: 1,
      data: eventData,
      metadata,
      occurredAt: now,
    },
  ];
};

// Each worker appends two events at a time to its own stream, and starts a new stream every 50 appends.
const STREAM_LENGTH = 50;

const measure = async (concurrency, appendOnce) => {
  let done = 0;
  let failed = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      let stream = ids.next();
      let version = 0;
      while (performance.now() < deadline) {
        if (version >= STREAM_LENGTH * 2) {
          stream = ids.next();
          version = 0;
        }
        const ok = await appendOnce(stream, version);
        if (ok) {
          done += 1;
          version += 2;
        } else failed += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  if (failed > 0) log(`  (${failed} failed appends)`);
  return done / elapsed;
};

const appendsInFlight = Number(process.env.OMS_PG_APPENDS_IN_FLIGHT ?? 2);

const RAW_SCHEMA = `
CREATE TABLE IF NOT EXISTS bench_raw_events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stream_id text NOT NULL,
  stream_version integer NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  UNIQUE (stream_id, stream_version)
)`;

const contenders = {
  // The ceiling: a transaction that reads the stream's version, inserts two events and commits (4 round trips).
  raw: (pool) => async (stream) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const current = await client.query(
        'SELECT coalesce(max(stream_version), 0) AS v FROM bench_raw_events WHERE stream_id = $1',
        [stream],
      );
      const v = Number(current.rows[0].v);
      const [a, b] = newEvents();
      await client.query(
        `INSERT INTO bench_raw_events (stream_id, stream_version, event_id, event_type, data, metadata, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7), ($1, $8, $9, $10, $11, $12, $13)`,
        [
          stream,
          v + 1,
          a.eventId,
          a.type,
          a.data,
          a.metadata,
          a.occurredAt,
          v + 2,
          b.eventId,
          b.type,
          b.data,
          b.metadata,
          b.occurredAt,
        ],
      );
      await client.query('COMMIT');
      return true;
    } catch {
      await client.query('ROLLBACK').catch(() => undefined);
      return false;
    } finally {
      client.release();
    }
  },
  // The floor of any append: the two events inserted by one statement, no version read, no check, no read model.
  // What an append could reach if it cost nothing beyond its rows (its ratio to Emmett bounds ours).
  insert: (pool) => async (stream, version) => {
    const [a, b] = newEvents();
    try {
      await pool.query({
        name: 'bench_insert_only',
        text: `INSERT INTO bench_raw_events (stream_id, stream_version, event_id, event_type, data, metadata, occurred_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7), ($1, $8, $9, $10, $11, $12, $13)`,
        values: [
          stream,
          version + 1,
          a.eventId,
          a.type,
          a.data,
          a.metadata,
          a.occurredAt,
          version + 2,
          b.eventId,
          b.type,
          b.data,
          b.metadata,
          b.occurredAt,
        ],
      });
      return true;
    } catch {
      return false;
    }
  },
  // appendToStream: one statement, events only.
  oms: (pool) => {
    const { eventStore } = createPgOrderStore({ pool });
    return async (stream, version) =>
      (await eventStore.appendToStream(stream, newEvents(), { expectedVersion: version })).isOk();
  },
  // appendToStream with the inline read model (summary row + document upsert), as the service runs it.
  'oms+readmodel': (pool) => {
    const { eventStore } = createPgOrderStore({ pool });
    return async (stream, version) =>
      (
        await eventStore.appendToStream(stream, newEvents(), {
          expectedVersion: version,
          snapshot: { ...sampleView, id: stream, version: version + 2 },
        })
      ).isOk();
  },
  // The same with group commit, as the reference server runs it (OMS_PG_APPENDS_IN_FLIGHT, default 2): the appends
  // that arrive while that many statements are in flight share the next statement and its commit.
  'oms+rm grouped': (pool) => {
    const { eventStore } = createPgOrderStore({
      pool,
      appendBatching: { maxInFlight: appendsInFlight },
    });
    return async (stream, version) =>
      (
        await eventStore.appendToStream(stream, newEvents(), {
          expectedVersion: version,
          snapshot: { ...sampleView, id: stream, version: version + 2 },
        })
      ).isOk();
  },
  emmett: (pool) => {
    const store = getPostgreSQLEventStore(pool.options.connectionString, {
      connectionOptions: { pool },
      schema: { autoMigration: 'None' },
    });
    return async (stream, version) => {
      try {
        const events = newEvents().map((event) => ({
          type: event.type,
          data: event.data,
          metadata: event.metadata,
        }));
        await store.appendToStream(stream, events, { expectedStreamVersion: BigInt(version) });
        return true;
      } catch {
        return false;
      }
    };
  },
};

// WAL written per append (pg_current_wal_lsn before/after), one contender at a time on an otherwise idle database,
// each append starting a new stream's second append onward as in the throughput slices.
const WAL_APPENDS = quick ? 200 : 1_000;
const walPerAppend = async (url, name) => {
  const pool = new pg.Pool({ connectionString: url, max: 1, ...sessionOptions });
  pool.on('error', () => undefined);
  try {
    const appendOnce = contenders[name](pool);
    // A checkpoint, then a warm-up: the full-page images written after a checkpoint (whose timing depends on the
    // WAL the throughput slices wrote) stay out of the figure; what is left is the steady cost of an append.
    await pool.query('CHECKPOINT').catch(() => undefined);
    for (let n = 0; n < 100; n += 1) await appendOnce(ids.next(), 0);
    const lsn = async () => (await pool.query('SELECT pg_current_wal_lsn() AS l')).rows[0].l;
    const before = await lsn();
    let stream = ids.next();
    let version = 0;
    for (let n = 0; n < WAL_APPENDS; n += 1) {
      if (version >= STREAM_LENGTH * 2) {
        stream = ids.next();
        version = 0;
      }
      if (await appendOnce(stream, version)) version += 2;
    }
    const after = await lsn();
    const bytes = await pool.query('SELECT pg_wal_lsn_diff($1, $2)::float8 AS b', [after, before]);
    return bytes.rows[0].b / WAL_APPENDS;
  } finally {
    await pool.end();
  }
};

const adminQuery = async (url, sql) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
};

const appendBenchmark = async (baseUrl) => {
  const suffix = Date.now().toString(36);
  const omsUrl = databaseUrlFor(baseUrl, `bench_oms_${suffix}`);
  const emmettUrl = databaseUrlFor(baseUrl, `bench_emmett_${suffix}`);
  await adminQuery(baseUrl, `CREATE DATABASE bench_oms_${suffix}`);
  await adminQuery(baseUrl, `CREATE DATABASE bench_emmett_${suffix}`);
  try {
    const setupPool = createPool(omsUrl, { max: 1 });
    await runMigrations(setupPool);
    await setupPool.query(RAW_SCHEMA);
    await setupPool.end();
    const emmettSetup = getPostgreSQLEventStore(emmettUrl);
    await emmettSetup.schema.migrate();
    await emmettSetup.close();

    // Contenders are interleaved in short slices, in a rotating order, so that the load of a shared machine falls
    // on all of them alike; each figure is the median of its slices.
    const samples = {};
    const names = Object.keys(contenders);
    for (const concurrency of concurrencies) {
      for (let run = 0; run < runs; run += 1) {
        const order = names.map((_, index) => names[(index + run) % names.length]);
        for (const name of order) {
          // A fresh pool per slice (a server's max_connections), warmed up with `concurrency` connections.
          const pool = new pg.Pool({
            connectionString: name === 'emmett' ? emmettUrl : omsUrl,
            max: concurrency,
            ...sessionOptions,
          });
          pool.on('error', () => undefined);
          const appendOnce = contenders[name](pool);
          await Promise.all(Array.from({ length: concurrency }, () => appendOnce(ids.next(), 0)));
          const rate = await measure(concurrency, appendOnce);
          await pool.end();
          samples[`${name}@${concurrency}`] ??= [];
          samples[`${name}@${concurrency}`].push(rate);
        }
        log(
          `  c=${concurrency} round ${run + 1}/${runs}: ${names.map((name) => `${name} ${samples[`${name}@${concurrency}`].at(-1).toFixed(0)}`).join(', ')} appends/s`,
        );
      }
    }
    const wal = {};
    for (const name of ['raw', 'oms', 'oms+readmodel'])
      wal[name] = await walPerAppend(omsUrl, name);
    log(
      `  WAL bytes per append: ${Object.entries(wal)
        .map(([name, bytes]) => `${name} ${bytes.toFixed(0)}`)
        .join(', ')}`,
    );
    return concurrencies.map((concurrency) => {
      const m = (name) => median(samples[`${name}@${concurrency}`]);
      return {
        concurrency,
        raw: m('raw'),
        insert: m('insert'),
        insertVsEmmett: m('insert') / m('emmett'),
        oms: m('oms'),
        omsReadModel: m('oms+readmodel'),
        grouped: m('oms+rm grouped'),
        groupedVsRaw: m('oms+rm grouped') / m('raw'),
        groupedVsEmmett: m('oms+rm grouped') / m('emmett'),
        emmett: m('emmett'),
        omsVsRaw: m('oms') / m('raw'),
        omsReadModelVsRaw: m('oms+readmodel') / m('raw'),
        omsVsEmmett: m('oms') / m('emmett'),
        omsReadModelVsEmmett: m('oms+readmodel') / m('emmett'),
        walBytesPerAppend: wal,
        samples: Object.fromEntries(
          Object.keys(contenders).map((name) => [name, samples[`${name}@${concurrency}`]]),
        ),
      };
    });
  } finally {
    await adminQuery(baseUrl, `DROP DATABASE IF EXISTS bench_oms_${suffix} WITH (FORCE)`);
    await adminQuery(baseUrl, `DROP DATABASE IF EXISTS bench_emmett_${suffix} WITH (FORCE)`);
  }
};

// ---- listing: seed the read model directly (INSERT ... SELECT generate_series), then time keyset pages.
const SEED_SQL = `
INSERT INTO oms_orders (id, status, channel, payment_status, customer_email, created_at, updated_at, version,
                        line_count, order_total, currency_code)
SELECT id, status, channel, payment_status, email, at, at, 1, 1, '59.98', 'USD'
  FROM (SELECT gen_random_uuid() AS id,
               (ARRAY['DRAFT','CONFIRMED','PARTIALLY_SHIPPED','SHIPPED','DELIVERED','COMPLETED','CANCELLED','UNFULFILLABLE'])[1 + n % 8] AS status,
               (ARRAY['ECOMMERCE','MARKETPLACE','B2B','DIRECT'])[1 + n % 4] AS channel,
               (ARRAY['PENDING','AUTHORIZED','CAPTURED','FAILED','VOIDED'])[1 + n % 5] AS payment_status,
               'buyer' || (n % 20000) || '@example.com' AS email,
               timestamptz '2025-01-01' + n * interval '7 seconds' AS at
          FROM generate_series($1::integer, $2::integer) AS n) s`;

const listBenchmark = async (baseUrl) => {
  const name = `bench_list_${Date.now().toString(36)}`;
  await adminQuery(baseUrl, `CREATE DATABASE ${name}`);
  const pool = createPool(databaseUrlFor(baseUrl, name), { max: 2 });
  const { queries } = createPgOrderStore({ pool });
  const results = [];
  try {
    await runMigrations(pool);
    let seeded = 0;
    for (const size of listSizes) {
      const started = performance.now();
      for (let from = seeded + 1; from <= size; from += 100_000)
        await pool.query(SEED_SQL, [from, Math.min(size, from + 99_999)]);
      seeded = size;
      await pool.query('VACUUM ANALYZE oms_orders');
      log(`  seeded ${size} orders in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const middle = await pool.query(
        'SELECT created_at, id FROM oms_orders ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1',
        [Math.floor(size / 2)],
      );
      const deepCursor = Buffer.from(
        JSON.stringify([middle.rows[0].created_at.toISOString(), middle.rows[0].id]),
      ).toString('base64url');
      const cases = {
        'first page': {},
        'page at the middle': { cursor: deepCursor },
        'status x2, middle': { status: ['CONFIRMED', 'SHIPPED'], cursor: deepCursor },
        'channel, middle': { channel: 'B2B', cursor: deepCursor },
        customerEmail: { customerEmail: 'buyer4242@example.com' },
      };
      for (const [label, filter] of Object.entries(cases)) {
        const query = { limit: 20, ...filter };
        for (let i = 0; i < 10; i += 1) await queries.listOrders(query);
        const times = [];
        for (let i = 0; i < listSamples; i += 1) {
          const t0 = performance.now();
          const page = await queries.listOrders(query);
          times.push(performance.now() - t0);
          if (page.isErr()) throw new Error(page.error.message);
        }
        results.push({
          orders: size,
          case: label,
          p50ms: median(times),
          p95ms: percentile(times, 95),
        });
      }
    }
    return results;
  } finally {
    await pool.end();
    await adminQuery(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
};

/** The report's figures (benchmarks/run.mjs): the append path with its inline read model, as the server runs it. */
const figures = (append, list) => {
  const result = {};
  const c8 = append.find((row) => row.concurrency === 8);
  if (c8) {
    // as the server runs it: with group commit
    result['pg.append.c8.ratio_to_raw'] = {
      value: c8.groupedVsRaw,
      unit: 'ratio',
      baseline: c8.raw,
      baselineUnit: 'tx/s',
      baselineName: 'raw read-max-then-insert-two tx',
      ratio: c8.groupedVsRaw,
    };
    result['pg.append.c8.ratio_to_emmett'] = {
      value: c8.groupedVsEmmett,
      unit: 'ratio',
      baseline: c8.emmett,
      baselineUnit: 'appends/s',
      baselineName: 'Emmett 0.42 appendToStream',
      ratio: c8.groupedVsEmmett,
    };
    result['pg.append.c8.one_statement_each.ratio_to_emmett'] = {
      value: c8.omsReadModelVsEmmett,
      unit: 'ratio',
      baseline: c8.emmett,
      baselineUnit: 'appends/s',
      baselineName: 'Emmett 0.42 appendToStream',
      ratio: c8.omsReadModelVsEmmett,
    };
    // not a target: the floor above, so that the Emmett ratio can be read against what any append could reach
    result['pg.append.c8.insert_only_to_emmett'] = {
      value: c8.insertVsEmmett,
      unit: 'ratio',
      baseline: c8.emmett,
      baselineUnit: 'appends/s',
      baselineName: 'Emmett 0.42 appendToStream',
      ratio: c8.insertVsEmmett,
    };
  }
  const middle = (orders) =>
    list.find((row) => row.orders === orders && row.case === 'page at the middle');
  const small = middle(10_000);
  const first = list.find((row) => row.orders === 10_000 && row.case === 'first page');
  if (small && first)
    result['pg.list.p50_ms.10k'] = {
      value: small.p50ms,
      unit: 'ms',
      baseline: first.p50ms,
      baselineUnit: 'ms',
      baselineName: 'first page at 10k',
      ratio: small.p50ms / first.p50ms,
    };
  const largest = Math.max(...list.map((row) => row.orders));
  const large = middle(largest);
  if (large && small && largest > 10_000)
    result[largest === 1_000_000 ? 'pg.list.p50_ms.1m' : `pg.list.p50_ms.${largest / 1000}k`] = {
      value: large.p50ms,
      unit: 'ms',
      baseline: small.p50ms,
      baselineUnit: 'ms',
      baselineName: 'same page at 10k',
      ratio: large.p50ms / small.p50ms,
    };
  return result;
};

const main = async () => {
  const database = await startBenchDatabase('oms-bench-');
  const { baseUrl } = database;
  try {
    const version = (await adminQuery(baseUrl, 'SHOW server_version')).rows[0].server_version;
    const settings = (
      await adminQuery(
        baseUrl,
        "SELECT string_agg(name || '=' || setting, ' ') AS s FROM pg_settings WHERE name IN ('fsync','synchronous_commit','shared_buffers')",
      )
    ).rows[0].s;
    log(
      `PostgreSQL ${version} (${database.embedded ? 'embedded' : 'DATABASE_URL'}; ${settings}); ${runs} rounds x ${seconds}s slices; ${asyncCommit ? 'sessions: synchronous_commit=off; ' : ''}event ~${eventBytes} B`,
    );
    log('append benchmark (2 events per append):');
    const append = await appendBenchmark(baseUrl);
    if (!skipList) log('list benchmark:');
    const list = skipList ? [] : await listBenchmark(baseUrl);

    log();
    log(
      'appends/s (median)   raw ceiling   oms append   oms+readmodel   emmett   oms/raw  oms+rm/raw  oms/emmett  oms+rm/emmett   insert only  insert/emmett   grouped  grouped/raw  grouped/emmett',
    );
    for (const row of append)
      log(
        `concurrency ${String(row.concurrency).padEnd(8)} ${row.raw.toFixed(0).padStart(11)} ${row.oms.toFixed(0).padStart(12)} ${row.omsReadModel.toFixed(0).padStart(15)} ${row.emmett.toFixed(0).padStart(8)} ${row.omsVsRaw.toFixed(2).padStart(8)} ${row.omsReadModelVsRaw.toFixed(2).padStart(11)} ${row.omsVsEmmett.toFixed(2).padStart(11)} ${row.omsReadModelVsEmmett.toFixed(2).padStart(14)} ${row.insert.toFixed(0).padStart(13)} ${row.insertVsEmmett.toFixed(2).padStart(14)} ${row.grouped.toFixed(0).padStart(9)} ${row.groupedVsRaw.toFixed(2).padStart(12)} ${row.groupedVsEmmett.toFixed(2).padStart(15)}`,
      );
    if (list.length > 0) log();
    if (list.length > 0) log('list page (limit 20)         orders       p50 ms   p95 ms');
    for (const row of list)
      log(
        `${row.case.padEnd(28)} ${String(row.orders).padStart(8)} ${row.p50ms.toFixed(2).padStart(10)} ${row.p95ms.toFixed(2).padStart(8)}`,
      );
    if (asJson) {
      process.stdout.write(
        `${JSON.stringify({ server: { version, embedded: database.embedded, settings, asyncCommit }, runs, seconds, eventBytes, append, list }, null, 2)}\n`,
      );
      process.stdout.write(`${JSON.stringify(figures(append, list))}\n`);
    }
  } finally {
    await database.stop();
  }
};

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
