#!/usr/bin/env node
// `pnpm soak [--duration 120] [--seed N] [--users 6] [--keep]`: the whole system under mixed load and faults, then
// checked. Two server replicas (relay off) share one PostgreSQL behind a TCP proxy; one relay process publishes to
// librdkafka's mock cluster (or KAFKA_BROKERS) through a Kafka-aware proxy; a forked load driver spreads its
// requests over both replicas. Meanwhile: the relay is killed (-9) and restarted, the broker is cut off and
// restored, the database is cut for ~3 s, one replica gets SIGTERM and is started again. Then it verifies and
// prints the summary, and exits non-zero (with the reasons) on any violation. Everything listens on 127.0.0.1 and
// everything it starts is stopped before it exits.
import { fork } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { adaptersPg, domain, kafkaTesting } from './soak/modules.mjs';
import {
  CLI_JS,
  killAllChildren,
  MAIN_JS,
  rssMb,
  runNode,
  startNodeProcess,
  track,
} from './soak/processes.mjs';
import { killShardHolder, leaseHolders, shardNames } from './soak/relays.mjs';
import { startTcpProxy } from './soak/tcpProxy.mjs';
import {
  checkAnswers,
  checkPublished,
  checkRebuilt,
  checkResponses,
  checkRss,
  checkStates,
  expectedMessages,
  readStoredStreams,
} from './soak/verify.mjs';
import {
  checkHoldInvariants,
  checkInbound,
  inboundEffects,
  inboundSettled,
} from './soak/verifyHolds.mjs';

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
const cleanUp = async () => {
  while (cleanups.length > 0) {
    const step = cleanups.pop();
    await Promise.race([step().catch(() => undefined), sleep(20_000)]);
  }
  killAllChildren();
};

// Bounded whatever happens: the run, set-up, shutdown and checks get a generous budget, then everything is killed.
const watchdog = setTimeout(() => {
  process.stderr.write(`[soak] watchdog: still running after ${elapsed()}; killing everything\n`);
  killAllChildren();
  process.exit(3);
}, durationMs + 300_000);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    say(`${signal}: stopping`);
    cleanUp().finally(() => process.exit(130));
  });

const {
  startEmbeddedPostgres,
  createTestDatabase,
  findFreePort,
  startScaleHarness,
  waitForReplay,
} = await adaptersPg();
const scale = options.scale;
const replicaCount = scale ? 3 : 2;
const RELAY_SHARDS = 4;
const relayProcesses = scale ? ['relay-0', 'relay-1'] : ['relay'];
// the relay's lease retry (createRelay's leaseRetryMs, 5 s) + the takeover delay below + slack on a loaded machine
const TAKEOVER_BOUND_MS = 20_000;
const { startTestKafka, startKafkaProxy, startTopicCollector } = await kafkaTesting();
const {
  stateFromEvents,
  toOrderView,
  toIntegrationMessages,
  evolve,
  initialState,
  PUBLISHED_TOPIC_NAMES,
  DLQ_TOPIC,
} = await domain();

const run = async () => {
  say(`seed ${seed}, duration ${durationS}s, ${users} virtual users; work dir ${work}`);

  // 1. PostgreSQL (given or embedded; with --scale a PG15 primary, its streaming replica and PgBouncer), a fresh
  // database on it, a TCP proxy in front (of PgBouncer with --scale).
  let baseUrl = process.env.DATABASE_URL;
  let harness;
  if (scale) {
    harness = await startScaleHarness();
    cleanups.push(() => harness.stop());
    baseUrl = harness.primary.url;
    say(
      `scale: PostgreSQL ${harness.primary.version} primary :${harness.primary.port}, replica :${harness.replica.port}, PgBouncer :${harness.bouncer.port}`,
    );
  } else if (!baseUrl) {
    const embedded = await startEmbeddedPostgres({
      dataDir: join(work, 'pg'),
      postgresFlags: ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    });
    cleanups.push(() => embedded.stop());
    baseUrl = embedded.url;
  }
  const database = await createTestDatabase(baseUrl, { max: 6 });
  cleanups.push(() => database.drop());
  if (harness)
    // asked on the replica's `postgres` database: the new one may not have been replayed there yet (3D000)
    await waitForReplay(database.url, harness.urls('postgres').readUrl);
  const direct = new URL(database.url);
  const dbProxy = await startTcpProxy({
    upstreamHost: direct.hostname,
    upstreamPort: harness ? harness.bouncer.port : Number(direct.port || 5432),
  });
  cleanups.push(() => dbProxy.close());
  const proxied = new URL(database.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(dbProxy.port);
  say(
    `database ${direct.pathname.slice(1)} on ${direct.host}, proxied at 127.0.0.1:${dbProxy.port}`,
  );

  // 2. Kafka: the mock cluster (or KAFKA_BROKERS), a Kafka-aware proxy in front; a collector reads it directly.
  const kafka = await startTestKafka({ brokers: 3 });
  cleanups.push(() => kafka.stop());
  const kafkaProxy = await startKafkaProxy({ upstreams: kafka.brokers });
  cleanups.push(() => kafkaProxy.close());
  say(
    `kafka ${kafka.mock ? 'mock cluster' : 'external'} ${kafka.brokers.join(',')}, proxied at ${kafkaProxy.brokers.join(',')}`,
  );
  const collecting = startTopicCollector({
    brokers: kafka.brokers,
    topics: PUBLISHED_TOPIC_NAMES,
  });
  const collectingDeadLetters = startTopicCollector({
    brokers: kafka.brokers,
    topics: [DLQ_TOPIC],
  });

  // 3. Two replicas on the database proxy (relay off), one relay process on the Kafka proxy.
  const baseEnv = { ...process.env };
  for (const name of ['OMS_API_KEYS', 'OMS_REQUIRE_IDEMPOTENCY_KEY', 'SHOPIFY_WEBHOOK_SECRET'])
    delete baseEnv[name];
  Object.assign(baseEnv, {
    KAFKA_BROKERS: kafkaProxy.brokers.join(','),
    KAFKA_IDEMPOTENT: kafka.mock ? 'false' : 'true',
    KAFKA_CREATE_TOPICS: kafka.mock ? 'false' : 'true',
    OMS_DATA_DIR: join(work, 'data'),
    LOG_LEVEL: 'info',
    // a relay killed with -9 has nothing left on the wire: its successor need not wait the default 30 s
    OMS_RELAY_TAKEOVER_DELAY_MS: '3000',
    // librdkafka's mock ends every rebalance one second before the session timeout, even once every member has
    // joined again (a real broker ends it then): with the default 30 s, each fault's rebalance held the inbound
    // messages for 29 s
    ...(kafka.mock ? { OMS_CONSUMER_SESSION_TIMEOUT_MS: '10000' } : {}),
  });
  const ports = [];
  for (let index = 0; index < replicaCount; index += 1) ports.push(await findFreePort());
  const targets = ports.map((port) => `http://127.0.0.1:${port}`);
  const incarnations = Object.fromEntries(relayProcesses.map((name) => [name, 0]));
  for (let index = 0; index < replicaCount; index += 1) incarnations[`replica-${index}`] = 0;
  const databaseName = direct.pathname.slice(1);
  // --scale: the lease and the migrations on the primary itself, reads on the streaming replica
  const scaleEnv = harness
    ? {
        DATABASE_DIRECT_URL: harness.urls(databaseName).directUrl,
        DATABASE_READ_URL: harness.urls(databaseName).readUrl,
        OMS_READ_REPLICA_WAIT_MS: '200',
      }
    : {};
  const current = {};
  /** Like a supervisor: a replica that cannot start (the database is being cut) is tried again, a few times. */
  const supervised = async (name, start) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        incarnations[name] += 1;
        current[name] = await start();
        return attempt;
      } catch (error) {
        if (attempt >= 5) throw error;
        say(
          `${name} did not start (attempt ${attempt}): ${String(error.message).split('\n')[0]}; again in 1 s`,
        );
        await sleep(1_000);
      }
    }
  };
  const startReplica = (index) =>
    supervised(`replica-${index}`, () =>
      startNodeProcess({
        name: `replica-${index}`,
        script: MAIN_JS,
        env: {
          ...baseEnv,
          PORT: String(ports[index]),
          HOST: '127.0.0.1',
          DATABASE_URL: proxied.toString(),
          ...scaleEnv,
          OMS_RELAY: 'off',
          // the replicas consume the payment and risk messages (one group: a restart rebalances it)
          OMS_CONSUMER: 'on',
          OMS_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
        },
        logFile: join(logs, `replica-${index}.log`),
        readyMarker: 'listening on',
      }),
    );
  const startRelay = (name = 'relay') =>
    supervised(name, () =>
      startNodeProcess({
        name,
        script: CLI_JS,
        args: ['relay'],
        env: {
          ...baseEnv,
          DATABASE_URL: options['relay-direct-db'] ? database.url : proxied.toString(),
          // --scale: each shard's lease a session lock on the primary itself (never through PgBouncer)
          ...(harness
            ? {
                DATABASE_DIRECT_URL: scaleEnv.DATABASE_DIRECT_URL,
                OMS_RELAY_SHARDS: String(RELAY_SHARDS),
              }
            : {}),
        },
        logFile: join(logs, `${name}.log`),
        readyMarker: 'relay running',
      }),
    );
  const stopProcess = async (name) => {
    const process_ = current[name];
    if (!process_ || process_.child.exitCode !== null || process_.child.signalCode !== null) return;
    process_.child.kill('SIGTERM');
    const timer = setTimeout(() => process_.child.kill('SIGKILL'), 20_000);
    await process_.exited;
    clearTimeout(timer);
  };
  cleanups.push(() => Promise.all(relayProcesses.map((name) => stopProcess(name))));
  const replicaIndexes = ports.map((_, index) => index);
  cleanups.push(() => Promise.all(replicaIndexes.map((index) => stopProcess(`replica-${index}`))));
  await Promise.all([
    ...replicaIndexes.map((index) => startReplica(index)),
    ...relayProcesses.map((name) => startRelay(name)),
  ]);
  const collector = await collecting;
  cleanups.push(() => collector.stop());
  const deadLetters = await collectingDeadLetters;
  cleanups.push(() => deadLetters.stop());
  say(`replicas ${targets.join(' ')} and ${relayProcesses.join(', ')} are up; collector joined`);
  const holders = () =>
    leaseHolders(
      database.pool,
      shardNames(RELAY_SHARDS),
      Object.fromEntries(relayProcesses.map((name) => [name, current[name].pid])),
    );

  // 4. RSS of every server and relay process, once a second.
  const rssSamples = [];
  const sampler = setInterval(() => {
    for (const name of Object.keys(incarnations)) {
      const process_ = current[name];
      if (!process_ || process_.child.exitCode !== null || process_.child.signalCode !== null)
        continue;
      const value = rssMb(process_.pid);
      if (value !== undefined)
        rssSamples.push({ name, incarnation: incarnations[name], t: Date.now(), rssMb: value });
    }
  }, 1_000);
  cleanups.push(async () => clearInterval(sampler));

  // 5. The load driver, in its own process.
  const recordFile = join(work, 'responses.jsonl');
  const inboundFile = join(work, 'inbound.jsonl');
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
  let driverCounts;
  driver.on('message', (message) => {
    if (message?.type === 'done') driverCounts = message.counts;
  });
  const driverExited = new Promise((resolve) => driver.once('exit', (code) => resolve(code)));
  const loadStart = Date.now();
  say(`load started for ${durationS}s`);

  // 6. Faults, at fixed fractions of the run.
  const faults = [];
  const violations = [];
  const warnings = [];
  const at = async (fraction) => {
    const wait = loadStart + fraction * durationMs - Date.now();
    if (wait > 0) await sleep(wait);
  };
  const fault = async (name, action) => {
    const record = { name, start: Date.now() };
    faults.push(record);
    try {
      record.detail = await action();
    } catch (error) {
      violations.push(`fault ${name} failed: ${error instanceof Error ? error.message : error}`);
    }
    record.end = Date.now();
    say(
      `fault ${name}: ${((record.end - record.start) / 1000).toFixed(1)}s${record.detail ? ` (${record.detail})` : ''}`,
    );
  };
  // Each fault on its own clock, so that a slow one (a replica draining) does not push the others out of the load.
  const faultPlan = Promise.all([
    at(0.15).then(() =>
      scale
        ? fault('relay kill -9 (shards taken over) + restart', () =>
            killShardHolder({
              holders,
              current,
              startRelay,
              violations,
              sleep,
              boundMs: TAKEOVER_BOUND_MS,
            }),
          )
        : fault('relay kill -9 + restart', async () => {
            const killed = current.relay;
            killed.child.kill('SIGKILL');
            await killed.exited;
            await sleep(1_000);
            await startRelay();
            return `pid ${killed.pid} → ${current.relay.pid}`;
          }),
    ),
    at(0.3).then(() =>
      fault('replica-0 SIGTERM + restart', async () => {
        const stopped = current['replica-0'];
        const signalled = Date.now();
        stopped.child.kill('SIGTERM');
        const timer = setTimeout(() => stopped.child.kill('SIGKILL'), 30_000);
        const exit = await stopped.exited;
        clearTimeout(timer);
        const drained = Date.now();
        if (drained - signalled >= SHUTDOWN_TIMEOUT_MS - 500)
          warnings.push(
            `replica-0 needed its whole shutdown timeout (${SHUTDOWN_TIMEOUT_MS / 1000}s) to stop after SIGTERM: it kept serving new requests on open keep-alive connections, then cut what was in flight`,
          );
        if (exit.code !== 0)
          violations.push(
            `replica-0 exited with ${exit.code ?? exit.signal} after SIGTERM (expected 0)`,
          );
        const attempts = await startReplica(0);
        return `${attempts > 1 ? `started on attempt ${attempts}; ` : ''}exit ${exit.code ?? exit.signal} after ${((drained - signalled) / 1000).toFixed(1)}s; pid ${stopped.pid} → ${current['replica-0'].pid}`;
      }),
    ),
    at(0.5).then(() =>
      fault('kafka cut + restore', async () => {
        await kafkaProxy.cut();
        await sleep(Math.max(3_000, durationMs * 0.08));
        await kafkaProxy.restore();
      }),
    ),
    at(0.7).then(() =>
      fault('database cut + restore', async () => {
        dbProxy.cut();
        await sleep(3_000);
        dbProxy.restore();
      }),
    ),
    ...(harness
      ? [
          at(0.85).then(() =>
            fault('read replica stop + restart', async () => {
              await harness.replica.pause();
              await sleep(3_000);
              await harness.replica.resume();
            }),
          ),
        ]
      : []),
  ]);
  await faultPlan;
  // the load runs its nominal duration and at least 2 s past the last fault, so that recovery is under load too
  await sleep(Math.max(2_000, loadStart + durationMs - Date.now()));
  driver.send({ type: 'stop' });
  const driverCode = await driverExited;
  const loadEnd = Date.now();
  clearInterval(sampler);
  say(`load finished: ${JSON.stringify(driverCounts ?? {})} (driver exit ${driverCode})`);
  if (driverCode !== 0) violations.push(`the load driver exited with ${driverCode}`);

  // 7. Checks.
  const results = [];
  const records = readFileSync(recordFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const dbCutWindows = faults.filter((f) => f.name.startsWith('database'));
  const responses = checkResponses(records, { dbCutWindows });
  results.push(responses);
  if (responses.stuckKeys > 0)
    warnings.push(
      `${responses.stuckKeys} Idempotency-Key(s) stayed "in flight" after their request had failed during the database cut: retries got 409 until the claim's lease ran out`,
    );

  // the consumers settle the payment and risk messages: each has its effect or its dead letter
  const sent = readFileSync(inboundFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  const inboundWaitStart = Date.now();
  const inboundDeadline = inboundWaitStart + 90_000;
  let stored = await readStoredStreams(database.pool);
  while (
    !inboundSettled(inboundEffects(sent, stored.streams, deadLetters.messages)) &&
    Date.now() < inboundDeadline &&
    !kafka.died()
  ) {
    await sleep(1_000);
    stored = await readStoredStreams(database.pool);
  }
  await sleep(1_000); // late duplicates
  stored = await readStoredStreams(database.pool);
  const { streams, events } = stored;
  say(
    `stored: ${events} events in ${streams.size} orders; ${sent.length} payment/risk messages sent, ${kafka.died() ? 'gave up (the Kafka mock cluster had died)' : 'settled'} ${((Date.now() - inboundWaitStart) / 1000).toFixed(1)}s after the load`,
  );
  results.push(checkHoldInvariants(streams, { evolve, initialState }));
  results.push(checkInbound(inboundEffects(sent, streams, deadLetters.messages)));
  results.push(checkAnswers(records, streams, { stateFromEvents, toOrderView }));

  const get = async (path, index = 0) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await fetch(`${targets[index % targets.length]}${path}`, {
          signal: AbortSignal.timeout(20_000),
        });
        return {
          status: response.status,
          etag: response.headers.get('etag'),
          json: await response.json(),
        };
      } catch (error) {
        if (attempt >= 3) return { status: `no answer (${error?.cause?.code ?? error})` };
        await sleep(200);
      }
    }
  };
  if (harness) {
    // --scale: where the servers served their reads (oms_reads_total), summed over the replicas
    const served = {};
    for (const target of targets) {
      const text = await fetch(`${target}/metrics`)
        .then((response) => response.text())
        .catch(() => '');
      for (const match of text.matchAll(/^oms_reads_total\{([^}]*)\} (\d+)/gm)) {
        const label = match[1].replace(/"/g, '');
        served[label] = (served[label] ?? 0) + Number(match[2]);
      }
    }
    const onReplica = Object.entries(served)
      .filter(([label]) => label.includes('served_by=replica'))
      .reduce((sum, [, count]) => sum + count, 0);
    results.push({
      name: 'reads on the streaming replica',
      ok: onReplica > 0,
      lines: [`reads by where and why (since each server's start): ${JSON.stringify(served)}`],
      violations: onReplica > 0 ? [] : ['no read was served by the replica'],
    });
  }
  const states = await checkStates(streams, { get, stateFromEvents, toOrderView });
  results.push(states.result);

  const rebuild = await runNode(CLI_JS, ['rebuild'], { ...baseEnv, DATABASE_URL: database.url });
  if (rebuild.code !== 0)
    results.push({
      name: 'rebuilt read model',
      ok: false,
      lines: [],
      violations: [`rebuild exited ${rebuild.code}: ${rebuild.stderr.slice(-500)}`],
    });
  else
    results.push(
      await checkRebuilt(states.views, rebuild.stdout.trim().split('\n').at(-1), { get }),
    );

  const expected = expectedMessages(streams, { toIntegrationMessages, evolve, initialState });
  const wanted = new Set(expected.map((message) => message.value.eventId));
  const orderIds = new Set(streams.keys());
  const publishDeadline = Date.now() + 90_000;
  const received = () => {
    const got = new Set();
    for (const message of collector.messages)
      if (message.key && orderIds.has(message.key)) {
        try {
          got.add(JSON.parse(message.value ?? '').eventId);
        } catch {}
      }
    return [...wanted].filter((id) => got.has(id)).length;
  };
  let progressAt = Date.now() + 10_000;
  while (received() < wanted.size && Date.now() < publishDeadline && !kafka.died()) {
    await sleep(500);
    if (Date.now() < progressAt) continue;
    progressAt = Date.now() + 10_000;
    const state = await database.pool
      .query(
        `SELECT (SELECT json_agg(json_build_object('name', name, 'position', position)) FROM oms_checkpoints) AS checkpoints,
                (SELECT max(global_position) FROM oms_events) AS head,
                (SELECT json_agg(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted) AS lease_holders`,
      )
      .then((result) => JSON.stringify(result.rows[0]))
      .catch((error) => String(error));
    say(`waiting for the relay: ${received()}/${wanted.size} messages seen; ${state}`);
  }
  await sleep(1_000); // late duplicates
  const firstArrival = new Map();
  for (const message of collector.messages) {
    try {
      const eventId = JSON.parse(message.value ?? '').eventId;
      if (wanted.has(eventId) && !firstArrival.has(eventId))
        firstArrival.set(eventId, message.receivedAt);
    } catch {}
  }
  let lastArrival = loadEnd;
  for (const at of firstArrival.values()) lastArrival = Math.max(lastArrival, at);
  const published = checkPublished(expected, collector.messages, orderIds);
  published.lines.push(
    published.missing === 0
      ? `the last expected message arrived ${((lastArrival - loadEnd) / 1000).toFixed(1)}s after the load ended`
      : `gave up waiting ${((Date.now() - loadEnd) / 1000).toFixed(1)}s after the load ended${kafka.died() ? ' (the Kafka mock cluster had died)' : ''}`,
  );
  results.push(published);

  // memory: the last samples are taken after the load, as the processes settle
  for (const name of Object.keys(incarnations)) {
    const value = current[name] && rssMb(current[name].pid);
    if (value !== undefined)
      rssSamples.push({ name, incarnation: incarnations[name], t: Date.now(), rssMb: value });
  }
  results.push(checkRss(rssSamples));

  // 8. Summary.
  const failed = [
    ...violations,
    ...results.flatMap((result) => result.violations.map((v) => `${result.name}: ${v}`)),
  ];
  process.stdout.write('\n=== soak summary ===\n');
  process.stdout.write(
    `seed ${seed}; load ${((loadEnd - loadStart) / 1000).toFixed(0)}s, ${users} users over ${replicaCount} replicas${scale ? ' (--scale: PgBouncer, read replica)' : ''}; total ${elapsed()}\n`,
  );
  process.stdout.write(
    `faults:\n${faults.map((f) => `    ${f.name} at +${((f.start - loadStart) / 1000).toFixed(1)}s for ${((f.end - f.start) / 1000).toFixed(1)}s${f.detail ? ` (${f.detail})` : ''}`).join('\n')}\n`,
  );
  for (const result of results) {
    process.stdout.write(`[${result.ok ? 'ok' : 'FAIL'}] ${result.name}\n`);
    for (const line of result.lines) process.stdout.write(`    ${line}\n`);
    for (const violation of result.violations) process.stdout.write(`    ✗ ${violation}\n`);
  }
  const kafkaDeath = kafka.died();
  if (kafkaDeath) {
    failed.push(`the Kafka mock cluster died mid-run: ${kafkaDeath}`);
    violations.push(`the Kafka mock cluster died mid-run: ${kafkaDeath}`);
  }
  for (const violation of violations) process.stdout.write(`[FAIL] ${violation}\n`);
  for (const warning of warnings) process.stdout.write(`[warn] ${warning}\n`);
  return failed;
};

let exitCode = 0;
try {
  const failed = await run();
  if (failed.length > 0) {
    process.stdout.write(`SOAK FAILED: ${failed.length} violation(s); logs in ${logs}\n`);
    exitCode = 1;
  } else process.stdout.write('SOAK PASSED\n');
} catch (error) {
  process.stdout.write(
    `SOAK FAILED: ${error instanceof Error ? (error.stack ?? error.message) : error}\nlogs in ${logs}\n`,
  );
  exitCode = 1;
}
await cleanUp();
if (exitCode === 0 && !options.keep) rmSync(work, { recursive: true, force: true });
else rmSync(join(work, 'pg'), { recursive: true, force: true });
process.exit(exitCode);
