// The soak's server replicas (relay off, consumers on) and relay processes, started and restarted like a
// supervisor would.

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { adaptersPg } from './modules.mjs';
import { CLI_JS, MAIN_JS, startNodeProcess } from './processes.mjs';
import { leaseHolders, shardNames } from './relays.mjs';

/** The shards the --scale relays share. */
const RELAY_SHARDS = 4;

/** The environment every replica and relay shares: Kafka through its proxy, and what the faults need. */
const sharedEnv = ({ kafka, kafkaProxy, work }) => {
  const env = { ...process.env };
  for (const name of ['OMS_API_KEYS', 'OMS_REQUIRE_IDEMPOTENCY_KEY', 'SHOPIFY_WEBHOOK_SECRET'])
    delete env[name];
  return Object.assign(env, {
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
};

/**
 * `replicaCount` replicas on the database proxy and the relays `relayNames` (on the proxy too, unless
 * `relayDirectDb`), not started yet: `startAll()` starts them, `current[name]` is each one's running process, and
 * their stops are on `cleanups`. Nothing starts once `isStopping()` says so.
 */
export const createFleet = async ({
  infrastructure,
  replicaCount,
  relayNames,
  relayDirectDb,
  isStopping,
  shutdownTimeoutMs,
  work,
  logs,
  cleanups,
  say,
}) => {
  const { findFreePort } = await adaptersPg();
  const { harness, database, databaseName, proxiedUrl, kafka, kafkaProxy } = infrastructure;
  const baseEnv = sharedEnv({ kafka, kafkaProxy, work });
  const ports = [];
  for (let index = 0; index < replicaCount; index += 1) ports.push(await findFreePort());
  const incarnations = Object.fromEntries(relayNames.map((name) => [name, 0]));
  for (let index = 0; index < replicaCount; index += 1) incarnations[`replica-${index}`] = 0;
  // --scale: the lease and the migrations on the primary itself, reads on the streaming replica
  const scaleEnv = harness
    ? {
        DATABASE_DIRECT_URL: harness.urls(databaseName).directUrl,
        DATABASE_READ_URL: harness.urls(databaseName).readUrl,
        OMS_READ_REPLICA_WAIT_MS: '200',
      }
    : {};
  const current = {};
  /**
   * Like a supervisor: a process that cannot start (the database is being cut) is tried again, a few times; none
   * starts once the soak is stopping (`isStopping`), so that nothing started after its clean-up outlives it.
   */
  const supervised = async (name, start) => {
    for (let attempt = 1; ; attempt += 1) {
      if (isStopping()) throw new Error(`${name} not started: the soak is stopping`);
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
          DATABASE_URL: proxiedUrl,
          ...scaleEnv,
          OMS_RELAY: 'off',
          // the replicas consume the payment and risk messages (one group: a restart rebalances it)
          OMS_CONSUMER: 'on',
          OMS_SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
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
          DATABASE_URL: relayDirectDb ? database.url : proxiedUrl,
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
  const replicaIndexes = ports.map((_, index) => index);
  cleanups.push(() => Promise.all(relayNames.map((name) => stopProcess(name))));
  cleanups.push(() => Promise.all(replicaIndexes.map((index) => stopProcess(`replica-${index}`))));

  return {
    baseEnv,
    targets: ports.map((port) => `http://127.0.0.1:${port}`),
    incarnations,
    current,
    startReplica,
    startRelay,
    startAll: () =>
      Promise.all([
        ...replicaIndexes.map((index) => startReplica(index)),
        ...relayNames.map((name) => startRelay(name)),
      ]),
    /** Which relay process holds each shard's lease (--scale). */
    holders: () =>
      leaseHolders(
        database.pool,
        shardNames(RELAY_SHARDS),
        Object.fromEntries(relayNames.map((name) => [name, current[name].pid])),
      ),
  };
};
