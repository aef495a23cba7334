#!/usr/bin/env node
// HTTP create throughput with OpenTelemetry tracing untraced / off / on, measured in the same run on the same
// database, in interleaved rounds (the order of the three rotates each round, so drift hits each alike):
//   untraced  the adapters' hooks not installed (createPool and createApp with `tracing: false`): the baseline
//   off       the hooks installed, no SDK registered (the reference server without OTEL_* variables)
//   on        the SDK registered as the reference server does (batch processor, OTLP http/protobuf exporter) sending
//             to a local sink that answers 200: SERVER, command and SQL spans of every request, all sampled
//
//   pnpm build && node benchmarks/tracing.bench.mjs [--quick] [--json] [--seconds S] [--rounds N] [--connections C]
//
// DATABASE_URL names a server to use; unset, an embedded PostgreSQL starts in a temp dir. Each server runs in its own
// child process. --json prints the figures as one JSON line on stdout (the table goes to stderr then).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { orderFixtures } from '@oms/domain/fixtures';
import { flag, median, option } from './lib/common.mjs';
import { startBenchDatabase } from './lib/database.mjs';
import { stopOnSignal } from './lib/stopOnSignal.mjs';

const POOL_SIZE = 20;
const MODES = ['untraced', 'off', 'on'];

// ---------------------------------------------------------------------------------------------- server (child)
/** The command span, as the reference server's traceCommands makes it. */
function withCommandSpan(plain, tracer) {
  return (execution) =>
    tracer.startActiveSpan(execution.request.type, (span) =>
      plain(execution)
        .map((outcome) => {
          span.end();
          return outcome;
        })
        .mapErr((error) => {
          span.end();
          return error;
        }),
    );
}

const serve = async (mode, url, sink) => {
  let provider;
  if (mode === 'on') {
    const { NodeTracerProvider, BatchSpanProcessor } = await import(
      '@opentelemetry/sdk-trace-node'
    );
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    provider = new NodeTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: sink }))],
    });
    provider.register();
  }
  const { serve: listen } = await import('@hono/node-server');
  const { createPool, createPgOrderStore } = await import('@oms/adapters-pg');
  const { createExecuteOrderRequest, systemClock, uuidV7Generator } = await import('@oms/domain');
  const { createApp } = await import('@oms/http-hono');
  const { trace } = await import('@opentelemetry/api');
  const { createRequire } = await import('node:module');
  const { pino } = createRequire(import.meta.resolve('@oms/http-hono'))('pino');
  const traced = mode !== 'untraced';
  const pool = createPool(url, { max: POOL_SIZE, tracing: traced });
  const store = createPgOrderStore({ pool });
  const plain = createExecuteOrderRequest({
    eventStore: store.eventStore,
    idempotency: store.idempotency,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  const execute = traced ? withCommandSpan(plain, trace.getTracer('bench')) : plain;
  const app = createApp(
    { ...store, execute },
    { logger: pino({ level: 'warn' }), tracing: traced },
  );
  const server = listen({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
    process.send({ port: info.port }),
  );
  process.on('message', async (message) => {
    if (message !== 'stop') return;
    server.close();
    await provider?.shutdown();
    await pool.end().catch(() => undefined);
    process.exit(0);
  });
};

if (process.argv[2] === '--serve') {
  await serve(process.argv[3], process.env.BENCH_DATABASE_URL, process.env.BENCH_OTLP_SINK);
} else {
  stopOnSignal();
  await main();
}

// ---------------------------------------------------------------------------------------------- driver (parent)
function startServer(mode, url, sink) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--serve', mode], {
      env: { ...process.env, BENCH_DATABASE_URL: url, BENCH_OTLP_SINK: sink },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', ({ port }) =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise((done) => {
            child.once('exit', done);
            child.send('stop');
          }),
      }),
    );
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

/** An OTLP endpoint that takes every export and counts its bytes (so the exporter's work is real). */
function startSink() {
  let bytes = 0;
  let exports = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk) => {
      bytes += chunk.length;
    });
    request.on('end', () => {
      exports += 1;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}/v1/traces`,
        stats: () => ({ bytes, exports }),
        stop: () => new Promise((done) => server.close(done)),
      }),
    ),
  );
}

/**
 * The stricter check of "off costs nothing": no database and no socket to hide it, only the CPU path of a create
 * (`app.request` on the in-memory store), hooks installed without an SDK against hooks not installed, in many short
 * alternating rounds; the median of the round-by-round ratios.
 */
async function measureInProcess(quick, log) {
  const { createExecuteOrderRequest, systemClock, uuidV7Generator } = await import('@oms/domain');
  const { createInMemoryOrderStore } = await import('@oms/domain/testing');
  const { createApp } = await import('@oms/http-hono');
  const { trace } = await import('@opentelemetry/api');
  const { createRequire } = await import('node:module');
  const { pino } = createRequire(import.meta.resolve('@oms/http-hono'))('pino');
  const body = JSON.stringify(orderFixtures.seedCreateOrderBody());
  const appFor = (traced) => {
    const store = createInMemoryOrderStore();
    const plain = createExecuteOrderRequest({ ...store, clock: systemClock, ids: uuidV7Generator });
    const execute = traced ? withCommandSpan(plain, trace.getTracer('bench')) : plain;
    return createApp({ ...store, execute }, { logger: pino({ level: 'warn' }), tracing: traced });
  };
  // a fresh app and store for every round, so that a store grown by earlier rounds weighs on neither side
  const fresh = { untraced: () => appFor(false), off: () => appFor(true) };
  const requests = quick ? 400 : 1500;
  const rounds = quick ? 9 : 21;
  const round = async (app) => {
    const started = performance.now();
    for (let index = 0; index < requests; index += 1) {
      const response = await app.request('/v1/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      if (response.status !== 201) throw new Error(`create answered ${response.status}`);
      await response.arrayBuffer();
    }
    return requests / ((performance.now() - started) / 1000);
  };
  await round(fresh.untraced());
  await round(fresh.off());
  const ratios = [];
  const rates = { untraced: [], off: [] };
  for (let index = 0; index < rounds; index += 1) {
    const first = index % 2 === 0 ? 'untraced' : 'off';
    const second = first === 'untraced' ? 'off' : 'untraced';
    const a = await round(fresh[first]());
    const b = await round(fresh[second]());
    rates[first].push(a);
    rates[second].push(b);
    ratios.push(first === 'off' ? a / b : b / a);
  }
  const result = {
    untraced: median(rates.untraced),
    off: median(rates.off),
    ratio: median(ratios),
    hookNs: await hookNanoseconds(),
  };
  log(
    `  in-process create (in-memory store, ${rounds} alternating rounds of ${requests}): untraced ${result.untraced.toFixed(0)} req/s, off ${result.off.toFixed(0)} req/s, ratio ${result.ratio.toFixed(3)}`,
  );
  log(
    `  the off path's OpenTelemetry API calls of one create (extract, 2 no-op spans, 2 contexts, inject, 4 statement checks): ${result.hookNs.toFixed(0)} ns, ${((result.hookNs / 1e9) * result.untraced * 100).toFixed(3)} % of an in-process create`,
  );
  return result;
}

/** What the API calls of one create cost with no SDK registered, in a tight loop (ns per create). */
async function hookNanoseconds() {
  const { context, propagation, ROOT_CONTEXT, trace } = await import('@opentelemetry/api');
  const tracer = trace.getTracer('bench');
  const headers = new Headers({ 'content-type': 'application/json' });
  const getter = {
    get: (carrier, key) => carrier.get(key) ?? undefined,
    keys: (carrier) => [...carrier.keys()],
  };
  const once = () => {
    const parent = propagation.extract(ROOT_CONTEXT, headers, getter);
    const span = tracer.startSpan(
      'POST',
      { attributes: { 'http.request.method': 'POST' } },
      parent,
    );
    context.with(trace.setSpan(parent, span), () => {
      const carrier = {};
      propagation.inject(context.active(), carrier);
      tracer.startActiveSpan('CreateOrder', (command) => {
        for (let statement = 0; statement < 4; statement += 1) trace.getSpan(context.active());
        command.end();
      });
    });
    span.end();
  };
  const samples = [];
  for (let round = 0; round < 7; round += 1) {
    const iterations = 200_000;
    const started = process.hrtime.bigint();
    for (let index = 0; index < iterations; index += 1) once();
    samples.push(Number(process.hrtime.bigint() - started) / iterations);
  }
  return median(samples);
}

async function adminQuery(url, sql) {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main() {
  const quick = flag('--quick');
  const asJson = flag('--json');
  const seconds = option('--seconds', quick ? 2 : 5);
  const rounds = option('--rounds', quick ? 3 : 5);
  const connections = option('--connections', 10);
  const out = asJson ? process.stderr : process.stdout;
  const log = (line = '') => out.write(`${line}\n`);
  const autocannon = (await import('autocannon')).default;
  const { createPool, runMigrations, databaseUrlFor } = await import('@oms/adapters-pg');

  const postgres = await startBenchDatabase('oms-tracing-bench-');
  const database = `oms_bench_${randomBytes(5).toString('hex')}`;
  const sink = await startSink();
  const servers = [];
  try {
    await adminQuery(postgres.baseUrl, `CREATE DATABASE ${database}`);
    const url = databaseUrlFor(postgres.baseUrl, database);
    const setupPool = createPool(url, { max: 2 });
    await runMigrations(setupPool);
    await setupPool.end();
    const load = loadavg()[0];
    if (load > cpus().length)
      log(
        `WARNING: load average ${load.toFixed(1)} on ${cpus().length} cores: other work competes`,
      );
    log(
      `POST /v1/orders, ${connections} connections, ${rounds} interleaved round(s) x ${seconds}s per mode after 1s warm-up; medians`,
    );
    const running = {};
    for (const mode of MODES) {
      running[mode] = await startServer(mode, url, sink.url);
      servers.push(running[mode]);
    }
    const body = JSON.stringify(orderFixtures.seedCreateOrderBody());
    const run = (mode, duration) =>
      new Promise((resolve, reject) =>
        autocannon(
          {
            url: `${running[mode].url}/v1/orders`,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            connections,
            duration,
            timeout: 10,
          },
          (error, result) => (error ? reject(error) : resolve(result)),
        ),
      );
    const samples = Object.fromEntries(MODES.map((mode) => [mode, []]));
    for (let round = 0; round < rounds; round += 1) {
      const order = MODES.map((_, index) => MODES[(index + round) % MODES.length]);
      for (const mode of order) {
        await run(mode, 1);
        const result = await run(mode, seconds);
        const sample = {
          rps: result.requests.average,
          p99: result.latency.p99,
          bad: result.non2xx + result.errors + result.timeouts,
        };
        samples[mode].push(sample);
        log(
          `  round ${round + 1}  ${mode.padEnd(9)} ${sample.rps.toFixed(0).padStart(6)} req/s  p99 ${String(sample.p99).padStart(4)} ms${sample.bad ? `  (${sample.bad} failed)` : ''}`,
        );
      }
    }
    const rps = (mode) => median(samples[mode].map((sample) => sample.rps));
    const p99 = (mode) => median(samples[mode].map((sample) => sample.p99));
    const failed = MODES.reduce(
      (sum, mode) => sum + samples[mode].reduce((s, x) => s + x.bad, 0),
      0,
    );
    // round by round, so that each ratio compares runs seconds apart
    const pairedRatio = (mode, base) =>
      median(samples[mode].map((sample, index) => sample.rps / samples[base][index].rps));
    const { bytes, exports } = sink.stats();
    log();
    log(`  untraced ${rps('untraced').toFixed(0)} req/s (p99 ${p99('untraced')} ms)`);
    log(
      `  off      ${rps('off').toFixed(0)} req/s (p99 ${p99('off')} ms)  ratio to untraced ${pairedRatio('off', 'untraced').toFixed(3)}`,
    );
    log(
      `  on       ${rps('on').toFixed(0)} req/s (p99 ${p99('on')} ms)  ratio to off ${pairedRatio('on', 'off').toFixed(3)}  (${exports} OTLP exports, ${(bytes / 1e6).toFixed(1)} MB)`,
    );
    if (failed > 0) log(`  ${failed} requests failed`);

    const inProcess = await measureInProcess(quick, log);
    if (asJson) {
      const key = `http.tracing.create.c${connections}`;
      console.log(
        JSON.stringify({
          [`${key}.off_ratio_to_untraced`]: {
            value: rps('off'),
            unit: 'req/s',
            baseline: rps('untraced'),
            baselineName: 'hooks not installed',
            ratio: pairedRatio('off', 'untraced'),
          },
          [`${key}.on_ratio_to_off`]: {
            value: rps('on'),
            unit: 'req/s',
            baseline: rps('off'),
            baselineName: 'tracing off',
            ratio: pairedRatio('on', 'off'),
          },
          'http.tracing.off_path_ns_per_create': {
            value: inProcess.hookNs,
            unit: 'ns',
            baseline: 1e9 / inProcess.untraced,
            baselineUnit: 'ns',
            baselineName: 'one in-process create, untraced',
            ratio: inProcess.hookNs / (1e9 / inProcess.untraced),
          },
          'http.tracing.in_process_create.off_ratio_to_untraced': {
            value: inProcess.off,
            unit: 'req/s',
            baseline: inProcess.untraced,
            baselineName: 'hooks not installed',
            ratio: inProcess.ratio,
          },
        }),
      );
    }
    if (failed > 0) process.exitCode = 1;
  } finally {
    for (const server of servers) await server.stop();
    await sink.stop();
    await postgres.stop();
  }
}
