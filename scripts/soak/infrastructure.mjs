// What the soak's processes run on: PostgreSQL behind a TCP proxy, Kafka behind a Kafka-aware proxy, and the
// collectors that read the published and dead-letter topics straight from the cluster.
import { join } from 'node:path';
import { adaptersPg, domain, kafkaTesting } from './modules.mjs';
import { startTcpProxy } from './tcpProxy.mjs';

/**
 * PostgreSQL (DATABASE_URL, or embedded in `work`; with `scale` a PostgreSQL 15 primary, its streaming replica and
 * PgBouncer), a fresh database on it, a TCP proxy in front (of PgBouncer with `scale`); then the mock cluster (or
 * KAFKA_BROKERS) with its proxy and two collectors. Each part's stop goes on `cleanups` as soon as it runs.
 */
export const startInfrastructure = async ({ scale, work, cleanups, say }) => {
  const { startEmbeddedPostgres, createTestDatabase, startScaleHarness, waitForReplay } =
    await adaptersPg();
  const { startTestKafka, startKafkaProxy, startTopicCollector } = await kafkaTesting();
  const { PUBLISHED_TOPIC_NAMES, DLQ_TOPIC } = await domain();

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

  const kafka = await startTestKafka({ brokers: 3 });
  cleanups.push(() => kafka.stop());
  const kafkaProxy = await startKafkaProxy({ upstreams: kafka.brokers });
  cleanups.push(() => kafkaProxy.close());
  say(
    `kafka ${kafka.mock ? 'mock cluster' : 'external'} ${kafka.brokers.join(',')}, proxied at ${kafkaProxy.brokers.join(',')}`,
  );
  // joined while the processes start; each collector's stop goes on `cleanups` once it has joined
  const joined = async (collecting) => {
    const collector = await collecting;
    cleanups.push(() => collector.stop());
    return collector;
  };
  const collectors = Promise.all([
    joined(startTopicCollector({ brokers: kafka.brokers, topics: PUBLISHED_TOPIC_NAMES })),
    joined(startTopicCollector({ brokers: kafka.brokers, topics: [DLQ_TOPIC] })),
  ]).then(([published, deadLetters]) => ({ published, deadLetters }));
  // awaited once the processes are up: a collector that fails to join before then is not an unhandled rejection
  collectors.catch(() => undefined);

  return {
    harness,
    database,
    databaseName: direct.pathname.slice(1),
    proxiedUrl: proxied.toString(),
    dbProxy,
    kafka,
    kafkaProxy,
    collectors,
  };
};
