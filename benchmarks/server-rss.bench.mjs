#!/usr/bin/env node
// `node benchmarks/server-rss.bench.mjs [--quick] [--json]`: memory of the reference server process (its built
// dist/main.js) under a steady create load, next to the same process idle.
//
// Starts PostgreSQL (DATABASE_URL when set, a fresh database on it; otherwise an embedded one in a temp dir), starts
// the server on it (no Kafka, LOG_LEVEL=warn), reads its RSS (/proc/<pid>/status VmRSS) while idle (the baseline:
// median of samples after start-up), then drives POST /v1/orders with autocannon (20 connections) and reads the RSS
// again: the figure is the median over the second half of the load (steady state; the peak is printed too).
// `--seconds N` sets the length of the load (default 30, quick 8).
// With --json the LAST stdout line is one JSON object: {"server.rss_mb_under_load": {...}}.
import { readFileSync } from 'node:fs';
import { createTestDatabase } from '@oms/adapters-pg';
import { orderFixtures } from '@oms/domain/fixtures';
import autocannon from 'autocannon';
import { flag, median, option } from './lib/common.mjs';
import { startBenchDatabase } from './lib/database.mjs';
import { startReferenceServer } from './lib/referenceServer.mjs';
import { exitUnlessStopping, stopOnSignal } from './lib/stopOnSignal.mjs';

const quick = flag('--quick');
const json = flag('--json');
const IDLE_MS = quick ? 2_000 : 5_000;
const LOAD_S = option('--seconds', quick ? 8 : 30);
const CONNECTIONS = 20;
const out = json ? process.stderr : process.stdout;
const log = (line = '') => out.write(`${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const rssMb = (pid) => {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
};
/** Samples the RSS of `pid` every `everyMs` until `stop()`; returns the samples. */
const sampleRss = (pid, everyMs) => {
  const samples = [];
  const timer = setInterval(() => {
    const value = rssMb(pid);
    if (value !== undefined) samples.push(value);
  }, everyMs);
  return {
    samples,
    stop: () => {
      clearInterval(timer);
      return samples;
    },
  };
};

const seed = orderFixtures.seedCreateOrderBody();
const seedBody = JSON.stringify({
  ...seed,
  lines: [
    ...seed.lines,
    {
      sku: 'SKU-002',
      productName: 'Punched Cards',
      quantity: 5,
      unitPrice: { amount: '0.125', currencyCode: 'USD' },
    },
  ],
});

const cleanups = [];
const cleanUp = async () => {
  while (cleanups.length > 0)
    await cleanups
      .pop()()
      .catch(() => undefined);
};

const main = async () => {
  const postgres = await startBenchDatabase('oms-rss-bench-', []);
  cleanups.push(() => postgres.stop());
  const database = await createTestDatabase(postgres.baseUrl, { max: 1 });
  cleanups.push(() => database.drop());
  const server = await startReferenceServer({
    databaseUrl: database.url,
    // the V8 flags `pnpm start` gives it (an old-space limit); `--default-heap` measures without them
    ...(flag('--default-heap') ? { nodeFlags: [] } : {}),
  });
  cleanups.push(server.stop);
  const { url } = server;

  // idle: after a moment to settle, the median of a few seconds of samples
  await sleep(1_000);
  const idle = sampleRss(server.pid, 100);
  await sleep(IDLE_MS);
  const idleMb = median(idle.stop());

  const loaded = sampleRss(server.pid, 250);
  const result = await autocannon({
    url: `${url}/v1/orders`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: seedBody,
    connections: CONNECTIONS,
    duration: LOAD_S,
  });
  const samples = loaded.stop();
  const afterLoad = rssMb(server.pid);
  const steady = median(samples.slice(Math.floor(samples.length / 2)));
  const peak = Math.max(...samples);
  const answered = result.requests.total;
  const failed = result.non2xx + result.errors + result.timeouts;

  log(
    `server RSS, ${CONNECTIONS} connections of POST /v1/orders for ${LOAD_S}s (${quick ? 'quick' : 'full'} run):`,
  );
  log(`  idle server (baseline): ${idleMb.toFixed(1)} MB`);
  log(
    `  under load (median of the second half): ${steady.toFixed(1)} MB; peak ${peak.toFixed(1)} MB; right after the load ${afterLoad?.toFixed(1)} MB`,
  );
  log(`  ratio to idle: ${(steady / idleMb).toFixed(2)}`);
  const quarters = [1, 2, 3, 4].map((q) =>
    median(
      samples.slice(
        Math.floor(((q - 1) * samples.length) / 4),
        Math.floor((q * samples.length) / 4),
      ),
    ),
  );
  log(
    `  median per quarter of the load: ${quarters.map((value) => `${value.toFixed(0)} MB`).join(', ')}`,
  );
  log(
    `  load: ${answered} creates, ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, failed ${failed}`,
  );
  if (answered === 0 || failed > answered * 0.01)
    throw new Error(`the load failed: ${failed} of ${answered} requests were not 2xx`);

  const figures = {
    'server.rss_mb_under_load': {
      value: Number(steady.toFixed(1)),
      unit: 'MB',
      baseline: Number(idleMb.toFixed(1)),
      baselineUnit: 'MB',
      baselineName: 'idle server',
      ratio: Number((steady / idleMb).toFixed(3)),
    },
  };
  if (json) process.stdout.write(`${JSON.stringify(figures)}\n`);
};

let code = 0;
stopOnSignal();
try {
  await main();
} catch (error) {
  process.stderr.write(
    `server-rss bench failed: ${error instanceof Error ? error.message : error}\n`,
  );
  code = 1;
}
await cleanUp();
exitUnlessStopping(code);
