#!/usr/bin/env node
// HTTP benchmark of @oms/http-hono on PostgreSQL, next to three baselines measured in the same run on the same
// database: Hono hello-world, Hono + `SELECT 1`, and Hono + one raw-SQL transaction inserting one event row and one
// summary row (the floor of what a create must cost).
//
//   pnpm --filter @oms/http-hono build && node benchmarks/http-api.bench.mjs [--quick] [--json] [--seconds S] [--rounds N]
//
// DATABASE_URL names a server to use; unset, an embedded PostgreSQL (default durability) starts in a temp dir.
// A fourth reference, the same create on a bare Hono route (domain handler + PG store, none of this package's
// middleware), isolates what the HTTP layer itself costs.
// Each server runs in its own child process (so autocannon does not share its event loop), all on one pool size.
// `server` is the reference server itself, as `pnpm start` runs it (dist/main.js, its V8 flags, LOG_LEVEL=warn, a
// master key: personal data encrypted), on the same database: the create measured from outside.
// --json prints the figures as one JSON line on stdout (the table goes to stderr then).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { orderFixtures } from '@oms/domain/fixtures';
import { flag, median, option } from './lib/common.mjs';
import { startBenchDatabase } from './lib/database.mjs';
import { startReferenceServer } from './lib/referenceServer.mjs';
import { stopOnSignal } from './lib/stopOnSignal.mjs';

const POOL_SIZE = 20;

const seedBody = orderFixtures.seedCreateOrderBody();

// ---------------------------------------------------------------------------------------------- server (child)
const BASELINE_SQL = `
CREATE TABLE IF NOT EXISTS bench_events (
  global_position bigserial PRIMARY KEY,
  stream_id text NOT NULL,
  stream_version integer NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  UNIQUE (stream_id, stream_version)
);
CREATE TABLE IF NOT EXISTS bench_orders (
  id text PRIMARY KEY,
  status text NOT NULL,
  customer_email text NOT NULL,
  created_at timestamptz NOT NULL,
  version integer NOT NULL,
  document jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS bench_orders_created_idx ON bench_orders (created_at DESC, id DESC);`;

const serve = async (kind, url) => {
  const { serve: listen } = await import('@hono/node-server');
  const { Hono } = await import('hono');
  const pg = (await import('pg')).default;
  const { uuidv7 } = await import('@oms/domain');
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
  pool.on('error', () => undefined);
  let app;
  if (kind === 'hello') {
    app = new Hono().get('/', (c) => c.text('Hello Hono!'));
  } else if (kind === 'select1') {
    app = new Hono().get('/', async (c) => c.json((await pool.query('SELECT 1 AS one')).rows[0]));
  } else if (kind === 'rawtx') {
    app = new Hono().post('/', async (c) => {
      const body = await c.req.json();
      const id = uuidv7();
      const now = new Date().toISOString();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO bench_events (stream_id, stream_version, event_id, event_type, data, metadata, occurred_at)
           VALUES ($1, 1, $2, 'order.created', $3, $4, $5)`,
          [id, uuidv7(), JSON.stringify(body), JSON.stringify({ actor: 'anonymous' }), now],
        );
        await client.query(
          `INSERT INTO bench_orders (id, status, customer_email, created_at, version, document)
           VALUES ($1, 'DRAFT', $2, $3, 1, $4)`,
          [id, body.customer.email, now, JSON.stringify(body)],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      return c.json({ id, ...body }, 201);
    });
  } else if (kind === 'handler') {
    // The same command on the same store, behind a bare Hono route: what the store and domain cost without this
    // package's middleware (problems, idempotency, ETags, auth, logging, metrics).
    const { createPgOrderStore } = await import('@oms/adapters-pg');
    const { createOrderCommandHandler, ORDER_INPUT_SCHEMAS, systemClock, uuidV7Generator } =
      await import('@oms/domain');
    const handle = createOrderCommandHandler({
      ...createPgOrderStore({ pool, appendBatching }),
      clock: systemClock,
      ids: uuidV7Generator,
    });
    app = new Hono().post('/', async (c) => {
      const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse(await c.req.json());
      const outcome = await handle({ type: 'CreateOrder', input }, { actor: 'anonymous' });
      if (outcome.isErr()) return c.json(outcome.error, 500);
      return c.json(outcome.value.view, 201);
    });
  } else {
    const { createPgOrderStore } = await import('@oms/adapters-pg');
    const { createApp } = await import('@oms/http-hono');
    // pino is the API's own dependency: resolve it from there, not from the benchmarks package.
    const { createRequire } = await import('node:module');
    const { pino } = createRequire(import.meta.resolve('@oms/http-hono'))('pino');
    app = createApp(createPgOrderStore({ pool, appendBatching }), {
      logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }),
    });
  }
  const server = listen({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
    process.send({ port: info.port }),
  );
  process.on('message', async (message) => {
    if (message === 'cpu') {
      process.send({ cpu: process.cpuUsage() });
      return;
    }
    if (message !== 'stop') return;
    server.close();
    await pool.end().catch(() => undefined);
    process.exit(0);
  });
};

/** Group commit as the reference server runs it (OMS_PG_APPENDS_IN_FLIGHT, default 2; 0 turns it off). */
const appendsInFlight = Number(process.env.OMS_PG_APPENDS_IN_FLIGHT ?? 2);
const appendBatching = appendsInFlight > 0 ? { maxInFlight: appendsInFlight } : undefined;

// ---------------------------------------------------------------------------------------------- driver (parent)
const startServer = (kind, url) =>
  new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--serve', kind], {
      env: { ...process.env, BENCH_DATABASE_URL: url },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', ({ port }) =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        /** The server process's CPU time so far (user + system), in microseconds. */
        cpu: () =>
          new Promise((done) => {
            child.once('message', ({ cpu }) => done(cpu.user + cpu.system));
            child.send('cpu');
          }),
        stop: () =>
          new Promise((done) => {
            child.once('exit', done);
            child.send('stop');
          }),
      }),
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`${kind} server exited with ${code} before listening`)),
    );
  });

const adminQuery = async (url, sql) => {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
};

const main = async () => {
  const quick = flag('--quick');
  const asJson = flag('--json');
  const seconds = option('--seconds', quick ? 2 : 5);
  const rounds = option('--rounds', quick ? 1 : 3);
  const warmup = 1;
  const connectionsList = [10, 50];
  const out = asJson ? process.stderr : process.stdout;
  const log = (line = '') => out.write(`${line}\n`);
  const autocannon = (await import('autocannon')).default;
  const { createPool, runMigrations, databaseUrlFor, generateMasterKey } = await import(
    '@oms/adapters-pg'
  );

  const postgres = await startBenchDatabase('oms-http-bench-');
  const { baseUrl } = postgres;
  const database = `oms_bench_${randomBytes(5).toString('hex')}`;
  const servers = [];
  try {
    await adminQuery(baseUrl, `CREATE DATABASE ${database}`);
    const url = databaseUrlFor(baseUrl, database);
    const setupPool = createPool(url, { max: 2 });
    await runMigrations(setupPool);
    await setupPool.query(BASELINE_SQL);
    await setupPool.end();
    const version = (await adminQuery(url, 'SHOW server_version')).rows[0].server_version;
    const durability = (
      await adminQuery(
        url,
        "SELECT string_agg(name || '=' || setting, ' ') AS s FROM pg_settings WHERE name IN ('fsync','synchronous_commit')",
      )
    ).rows[0].s;
    const load = loadavg()[0];
    if (load > cpus().length)
      log(
        `WARNING: load average ${load.toFixed(1)} on ${cpus().length} cores: other work competes with this run`,
      );
    log(
      `PostgreSQL ${version} (${postgres.embedded ? 'embedded' : 'DATABASE_URL'}; ${durability}); pool ${POOL_SIZE}; ${rounds} round(s) x ${seconds}s per case after ${warmup}s warm-up; medians`,
    );

    const kinds = ['hello', 'select1', 'rawtx', 'handler', 'app'];
    const running = {};
    for (const kind of kinds) {
      running[kind] = await startServer(kind, url);
      servers.push(running[kind]);
    }
    running.server = await startReferenceServer({
      databaseUrl: url,
      extraEnv: { OMS_MASTER_KEY: generateMasterKey() },
    });
    servers.push(running.server);

    const body = JSON.stringify(seedBody);
    const json = { 'content-type': 'application/json' };
    const cases = {
      hello: { url: running.hello.url, method: 'GET' },
      select1: { url: running.select1.url, method: 'GET' },
      rawtx: { url: running.rawtx.url, method: 'POST', headers: json, body },
      handler: { url: running.handler.url, method: 'POST', headers: json, body },
      create: { url: `${running.app.url}/v1/orders`, method: 'POST', headers: json, body },
      server: { url: `${running.server.url}/v1/orders`, method: 'POST', headers: json, body },
      createConfirm: {
        url: running.app.url,
        requests: [
          {
            method: 'POST',
            path: '/v1/orders',
            headers: json,
            body,
            onResponse: (status, responseBody, context) => {
              if (status === 201) context.orderId = JSON.parse(responseBody).id;
            },
          },
          {
            method: 'POST',
            setupRequest: (request, context) =>
              context.orderId
                ? { ...request, path: `/v1/orders/${context.orderId}/confirm` }
                : undefined,
          },
        ],
      },
    };

    const run = (options, duration) =>
      new Promise((resolve, reject) => {
        autocannon(
          { ...options, ...(duration ? { duration } : {}), timeout: 10 },
          (error, result) => (error ? reject(error) : resolve(result)),
        );
      });

    // Rounds interleave the cases, and each figure is the median over rounds: on a shared machine the load drifts,
    // and a case measured only once, at a bad moment, would be compared with baselines measured at a good one.
    const samples = {};
    const cpuOnly = flag('--cpu-only');
    for (const connections of cpuOnly ? [] : connectionsList) {
      for (let round = 1; round <= rounds; round += 1) {
        for (const [name, options] of Object.entries(cases)) {
          await run({ ...options, connections }, warmup);
          const result = await run({ ...options, connections }, seconds);
          const sample = {
            rps: result.requests.average,
            p50: result.latency.p50,
            p99: result.latency.p99,
            non2xx: result.non2xx,
            errors: result.errors + result.timeouts,
          };
          const key = `${name}.c${connections}`;
          samples[key] = [...(samples[key] ?? []), sample];
          log(
            `  round ${round}  ${`${name} c${connections}`.padEnd(20)} ${sample.rps.toFixed(0).padStart(7)} req/s  p50 ${String(sample.p50).padStart(4)} ms  p99 ${String(sample.p99).padStart(4)} ms${sample.non2xx || sample.errors ? `  (non-2xx ${sample.non2xx}, errors ${sample.errors})` : ''}`,
          );
        }
      }
    }
    const results = Object.fromEntries(
      Object.entries(samples).map(([key, list]) => [
        key,
        {
          rps: median(list.map((sample) => sample.rps)),
          p50: median(list.map((sample) => sample.p50)),
          p99: median(list.map((sample) => sample.p99)),
          non2xx: list.reduce((sum, sample) => sum + sample.non2xx, 0),
          errors: list.reduce((sum, sample) => sum + sample.errors, 0),
        },
      ]),
    );

    const figures = {};
    if (!cpuOnly) {
      // The calmest round (highest hello-world throughput: least outside load) shows what the machine can do.
      const calmest = (connections) => {
        const hello = samples[`hello.c${connections}`].map((sample) => sample.rps);
        return hello.indexOf(Math.max(...hello));
      };
      const calmRound = (name, baseline, connections) => {
        const index = calmest(connections);
        const row = samples[`${name}.c${connections}`][index];
        const base = samples[`${baseline}.c${connections}`][index];
        return {
          round: index + 1,
          rps: row.rps,
          p99: row.p99,
          baselineRps: base.rps,
          ratio: row.rps / base.rps,
        };
      };
      log();
      log('case (median)            req/s    p50 ms   p99 ms   vs raw tx   vs SELECT 1   vs hello');
      for (const [key, row] of Object.entries(results)) {
        const connections = key.split('.c')[1];
        const raw = results[`rawtx.c${connections}`];
        const select1 = results[`select1.c${connections}`];
        const hello = results[`hello.c${connections}`];
        log(
          `${key.padEnd(22)} ${row.rps.toFixed(0).padStart(7)} ${String(row.p50).padStart(9)} ${String(row.p99).padStart(8)} ${(row.rps / raw.rps).toFixed(2).padStart(11)} ${(row.rps / select1.rps).toFixed(2).padStart(13)} ${(row.rps / hello.rps).toFixed(2).padStart(10)}`,
        );
      }
      log('(create+confirm counts both requests; orders per second are half its req/s)');
      for (const connections of connectionsList) {
        const ratio = (name, baseline) =>
          median(
            samples[`${name}.c${connections}`].map(
              (sample, index) => sample.rps / samples[`${baseline}.c${connections}`][index].rps,
            ),
          ).toFixed(2);
        const calm = calmest(connections);
        const at = (name) => samples[`${name}.c${connections}`][calm];
        log(
          `c${connections} calmest round (${calm + 1}): create ${at('create').rps.toFixed(0)} req/s p99 ${at('create').p99} ms, raw tx ${at('rawtx').rps.toFixed(0)} req/s p99 ${at('rawtx').p99} ms, bare handler ${at('handler').rps.toFixed(0)} req/s; create/raw tx ${(at('create').rps / at('rawtx').rps).toFixed(2)}`,
        );
        log(
          `c${connections} paired ratios (median over rounds): create/raw tx ${ratio('create', 'rawtx')}, create+confirm/raw tx ${ratio('createConfirm', 'rawtx')}, create/bare handler ${ratio('create', 'handler')}, bare handler/raw tx ${ratio('handler', 'rawtx')}, reference server create/raw tx ${ratio('server', 'rawtx')}`,
        );
      }

      // Ratios are paired: each round's case against the same round's baseline, then the median over rounds.
      const pairedRatio = (name, baseline) =>
        median(samples[name].map((sample, index) => sample.rps / samples[baseline][index].rps));
      for (const connections of connectionsList) {
        const raw = results[`rawtx.c${connections}`];
        for (const [name, key] of [
          ['create', 'create'],
          ['createConfirm', 'create_confirm'],
          ['server', 'server_create'],
        ]) {
          const row = results[`${name}.c${connections}`];
          figures[`http.${key}.c${connections}.ratio_to_raw_tx`] = {
            value: row.rps,
            unit: 'req/s',
            baseline: raw.rps,
            baselineName: 'Hono + raw SQL tx',
            ratio: pairedRatio(`${name}.c${connections}`, `rawtx.c${connections}`),
            calmestRound: calmRound(name, 'rawtx', connections),
          };
          figures[`http.${key}.c${connections}.p99_ms`] = {
            value: row.p99,
            unit: 'ms',
            baseline: raw.p99,
            baselineName: 'Hono + raw SQL tx p99',
            ratio: raw.p99 > 0 ? row.p99 / raw.p99 : undefined,
          };
          figures[`http.${key}.c${connections}.p50_ms`] = {
            value: row.p50,
            unit: 'ms',
            baseline: raw.p50,
            baselineName: 'Hono + raw SQL tx p50',
          };
        }
        const bare = results[`handler.c${connections}`];
        figures[`http.create.c${connections}.ratio_to_bare_handler`] = {
          value: results[`create.c${connections}`].rps,
          unit: 'req/s',
          baseline: bare.rps,
          baselineName: 'domain handler + PG store on a bare Hono route',
          ratio: pairedRatio(`create.c${connections}`, `handler.c${connections}`),
        };
        for (const name of ['hello', 'select1', 'rawtx', 'handler'])
          figures[`http.baseline.${name}.c${connections}.rps`] = {
            value: results[`${name}.c${connections}`].rps,
            unit: 'req/s',
          };
      }
    }

    // Server CPU per request: what each server process spent (user + system) over a fixed number of requests. Unlike
    // throughput it hardly depends on the disk or on other load of a shared machine, so it shows what the HTTP layer
    // and the domain cost next to the raw transaction doing the same database work.
    const cpuAmount = option('--cpu-requests', quick ? 1_000 : 3_000);
    const cpuSamples = {};
    for (let round = 1; round <= rounds; round += 1)
      for (const name of ['rawtx', 'handler', 'create', 'server']) {
        const server = name === 'create' ? running.app : running[name];
        await run({ ...cases[name], connections: 10, amount: 200 }, undefined);
        const before = await server.cpu();
        const result = await run({ ...cases[name], connections: 10, amount: cpuAmount }, undefined);
        const used = (await server.cpu()) - before;
        const perRequest = used / (result.requests.total || 1);
        cpuSamples[name] = [...(cpuSamples[name] ?? []), perRequest];
        log(
          `  cpu round ${round}  ${name.padEnd(8)} ${perRequest.toFixed(0).padStart(6)} µs of server CPU per request (${result.requests.total} requests${result.non2xx ? `, non-2xx ${result.non2xx}` : ''})`,
        );
      }
    const cpu = (name) => median(cpuSamples[name]);
    log(
      `server CPU per request (median): create ${cpu('create').toFixed(0)} µs, reference server ${cpu('server').toFixed(0)} µs, bare handler ${cpu('handler').toFixed(0)} µs, raw tx ${cpu('rawtx').toFixed(0)} µs; create/raw tx ${(cpu('create') / cpu('rawtx')).toFixed(2)}, create/bare handler ${(cpu('create') / cpu('handler')).toFixed(2)}`,
    );
    for (const [name, key] of [
      ['create', 'http.create'],
      ['server', 'http.server_create'],
    ])
      figures[`${key}.server_cpu_us_per_request`] = {
        value: cpu(name),
        unit: 'µs',
        baseline: cpu('rawtx'),
        baselineName: 'Hono + raw SQL tx, server CPU per request',
        ratio: cpu(name) / cpu('rawtx'),
      };
    figures['http.create.server_cpu_us_per_request'].bareHandlerUs = cpu('handler');
    const failed = Object.entries(results).filter(([, row]) => row.errors > 0 || row.non2xx > 0);
    if (failed.length > 0)
      log(`WARNING: errors or non-2xx answers in ${failed.map(([key]) => key).join(', ')}`);
    if (asJson) process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    for (const server of servers) await server.stop();
    await adminQuery(baseUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(
      () => undefined,
    );
    await postgres.stop();
  }
};

if (flag('--serve')) {
  await serve(option('--serve', ''), process.env.BENCH_DATABASE_URL);
} else {
  stopOnSignal();
  await main();
}
