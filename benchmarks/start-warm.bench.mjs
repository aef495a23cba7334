#!/usr/bin/env node
// `node benchmarks/start-warm.bench.mjs [--quick] [--json] [--runs N]`: how long `pnpm start` takes on an unchanged
// checkout until the server listens, next to the baseline measured in the same run: the built server started with a
// bare `node examples/reference-server/dist/main.js` on the same database (what no install/build check can beat).
//
// PostgreSQL: DATABASE_URL when set (a fresh database on it), otherwise an embedded one in a temp dir (started once,
// outside the timings: the figure is `pnpm start`'s own cost, not a database's start-up). Kafka off, LOG_LEVEL=info.
// One unmeasured `pnpm start` first brings the build stamps up to date (a cold build if the checkout has none).
// With --json the LAST stdout line is one JSON object: {"start.warm_ms": {...}}.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { databaseUrlFor, findFreePort } from '@oms/adapters-pg';
import { flag, median, option } from './lib/common.mjs';
import { startBenchDatabase } from './lib/database.mjs';
import { stopOnSignal } from './lib/stopOnSignal.mjs';

const quick = flag('--quick');
const asJson = flag('--json');
const runs = option('--runs', quick ? 2 : 5);
const out = asJson ? process.stderr : process.stdout;
const log = (line = '') => out.write(`${line}\n`);
const root = fileURLToPath(new URL('..', import.meta.url));
const LISTENING = /listening on/;

/** Starts `command`, resolves with the milliseconds until a log line says it listens, then stops it. */
const timeUntilListening = (command, args, env, timeoutMs = 180_000) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let buffered = '';
    let serverPid;
    let elapsed;
    const timer = setTimeout(
      () => stop(new Error(`${command} did not listen in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const stop = (error) => {
      clearTimeout(timer);
      // the server (its own process group under pnpm start), then what we spawned
      for (const pid of [serverPid, -child.pid])
        if (pid !== undefined)
          try {
            process.kill(pid, 'SIGTERM');
          } catch {}
      child.once('exit', () => (error ? reject(error) : resolve(elapsed)));
      if (child.exitCode !== null || child.signalCode !== null)
        error ? reject(error) : resolve(elapsed);
    };
    const onData = (chunk) => {
      if (elapsed !== undefined) return;
      buffered += chunk.toString();
      for (const line of buffered.split('\n')) {
        if (!LISTENING.test(line)) continue;
        elapsed = performance.now() - started;
        serverPid = /"pid":(\d+)/.exec(line)?.[1];
        serverPid = serverPid ? Number(serverPid) : undefined;
        stop();
        return;
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => stop(error));
  });

const main = async () => {
  const postgres = await startBenchDatabase('oms-start-bench-');
  const pg = (await import('pg')).default;
  const database = `oms_start_${randomBytes(5).toString('hex')}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: postgres.baseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  try {
    await admin(`CREATE DATABASE ${database}`);
    const env = {
      DATABASE_URL: databaseUrlFor(postgres.baseUrl, database),
      PORT: String(await findFreePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      KAFKA_BROKERS: '',
    };
    const pnpmStart = (timeoutMs) => timeUntilListening('pnpm', ['start'], env, timeoutMs);
    const bareNode = () =>
      timeUntilListening(process.execPath, ['examples/reference-server/dist/main.js'], env);
    const primed = await pnpmStart(900_000);
    log(
      `priming pnpm start (stamps brought up to date, migrations applied): ${primed.toFixed(0)} ms`,
    );
    const warm = [];
    const bare = [];
    // Interleaved: load drifting on a shared machine hits both alike.
    for (let run = 1; run <= runs; run += 1) {
      warm.push(await pnpmStart());
      bare.push(await bareNode());
      log(
        `  run ${run}: pnpm start ${warm.at(-1).toFixed(0)} ms, bare node ${bare.at(-1).toFixed(0)} ms`,
      );
    }
    const warmMs = median(warm);
    const bareMs = median(bare);
    log(
      `pnpm start on an unchanged checkout until listening: ${warmMs.toFixed(0)} ms (median of ${runs}); bare node dist/main.js ${bareMs.toFixed(0)} ms; ratio ${(warmMs / bareMs).toFixed(2)}`,
    );
    if (asJson)
      process.stdout.write(
        `${JSON.stringify({
          'start.warm_ms': {
            value: warmMs,
            unit: 'ms',
            baseline: bareMs,
            baselineName: 'node examples/reference-server/dist/main.js (no install/build check)',
            ratio: warmMs / bareMs,
          },
        })}\n`,
      );
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await postgres.stop();
  }
};

stopOnSignal();
await main();
