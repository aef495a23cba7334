#!/usr/bin/env node
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  createInMemoryCheckpointStore,
  createRelay,
  createShardedRelay,
  DEFAULT_COMPRESS_MIN_BYTES,
  requestCompression,
} from '@oms/adapters-kafka';
import { createFakeKafka, startTestKafka } from '@oms/adapters-kafka/testing';
import { createPgCheckpointStore, createPgOrderStore, createTestDatabase } from '@oms/adapters-pg';
import {
  decide,
  eventSchemaVersion,
  evolve,
  initialState,
  ORDER_INPUT_SCHEMAS,
  PUBLISHED_TOPIC_NAMES,
  toCommand,
  toOrderView,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/fixtures';
import { createInMemoryOrderStore } from '@oms/domain/testing';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { measureCommitToConsumed } from './lib/commitToConsumed.mjs';
import { flag, median, option } from './lib/common.mjs';
import { formatBreakdown, startCpuBreakdown } from './lib/cpuBreakdown.mjs';
import { startBenchDatabase } from './lib/database.mjs';
import { exitUnlessStopping, stopOnSignal } from './lib/stopOnSignal.mjs';

const quick = flag('--quick');
const asJson = flag('--json');
const backlogEvents = Number(option('--events', quick ? 10_000 : 100_000));
const rate = Number(option('--rate', 200));
const seconds = Number(option('--seconds', quick ? 5 : 10));
const steadyRounds = Number(option('--steady-rounds', quick ? 1 : 3));
const batchSize = Number(option('--batch', 2000));
const storeKind = option('--store', 'pg');
const out = asJson ? process.stderr : process.stdout;
const log = (line = '') => out.write(`${line}\n`);

// the mock cannot do an idempotent producer (controller id 0) nor CreateTopics; everything else is default
const MOCK = { idempotent: false, createTopics: false };

const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse(orderFixtures.seedCreateOrderBody());

/** The created + confirmed events of a new order, decided by the domain (appended in one call for speed). */
const orderEvents = () => {
  const ids = uuidV7Generator;
  const orderId = ids.next();
  const now = new Date().toISOString();
  const created = decide(
    toCommand({ type: 'CreateOrder', input }, orderId, now, ids),
    initialState(),
  )._unsafeUnwrap();
  const draft = created.reduce(evolve, initialState());
  const confirmed = decide(
    toCommand({ type: 'ConfirmOrder', orderId }, orderId, now, ids),
    draft,
  )._unsafeUnwrap();
  const metadata = { correlationId: ids.next(), causationId: null, actor: 'bench' };
  const events = [...created, ...confirmed].map((event) => ({
    eventId: ids.next(),
    type: event.type,
    schemaVersion: eventSchemaVersion(event.type),
    data: event.data,
    metadata,
    occurredAt: now,
  }));
  return { orderId, events, view: toOrderView(confirmed.reduce(evolve, draft)) };
};

const openStore = async () => {
  if (storeKind === 'memory') {
    const store = createInMemoryOrderStore();
    return {
      name: 'in-memory store',
      store,
      checkpoints: createInMemoryCheckpointStore(),
      close: async () => {},
    };
  }
  const database = await startBenchDatabase('oms-kafka-bench-', []);
  const db = await createTestDatabase(database.baseUrl, { max: 12 });
  return {
    name: `PostgreSQL (${database.embedded ? 'embedded' : 'DATABASE_URL'})`,
    serverUrl: database.baseUrl,
    store: createPgOrderStore({ pool: db.pool }),
    checkpoints: createPgCheckpointStore(db.pool),
    close: async () => {
      await db.drop();
      await database.stop();
    },
  };
};

const fillBacklog = async (eventStore, events) => {
  const orders = Math.ceil(events / 2);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < orders) {
        next += 1;
        const order = orderEvents();
        (
          await eventStore.appendToStream(order.orderId, order.events, {
            expectedVersion: 0,
            snapshot: order.view,
          })
        )._unsafeUnwrap();
      }
    }),
  );
  return orders * 2;
};

/** Each part's median over the rounds, in whole µs per event. */
const breakdownMedians = (rounds) =>
  Object.fromEntries(
    Object.keys(rounds[0] ?? {}).map((name) => [
      name,
      Math.round(median(rounds.map((round) => round[name]))),
    ]),
  );

const drain = async (relay) => {
  for (;;) {
    const result = await relay.runOnce();
    if (result.isErr())
      throw new Error(`relay failed: ${result.error.code} ${result.error.message}`);
    if (result.value.events + (result.value.skipped ?? 0) === 0) return;
  }
};

const main = async () => {
  const broker = await startTestKafka();
  const opened = await openStore();
  const { store, checkpoints } = opened;
  const kafka = new Kafka({
    clientId: 'oms-kafka-bench',
    brokers: [...broker.brokers],
    logLevel: logLevel.NOTHING,
  });
  log(
    `broker: ${broker.mock ? 'kcat mock cluster (librdkafka 2.0.2, 3 brokers)' : `KAFKA_BROKERS=${broker.brokers.join(',')}`}; store: ${opened.name}`,
  );
  try {
    // ---- 1. backlog throughput
    const filled = performance.now();
    const total = await fillBacklog(store.eventStore, backlogEvents);
    log(
      `backlog: ${total} events committed in ${((performance.now() - filled) / 1000).toFixed(1)} s`,
    );

    // warm the topics (auto-created on first produce) so neither contender pays for it
    const warm = kafka.producer();
    await warm.connect();
    for (const topic of PUBLISHED_TOPIC_NAMES)
      await warm.send({ topic, acks: -1, messages: [{ key: 'warm', value: '{}' }] });

    // the exact batches the relay sends, captured with a fake producer, for the raw baseline
    const fake = createFakeKafka();
    const capture = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      kafka: fake,
      options: { ...MOCK, batchSize },
    });
    const captureStart = performance.now();
    await drain(capture);
    const captureSeconds = (performance.now() - captureStart) / 1000;
    log(
      `mapping:  read + fold + map + stringify with a fake producer: ${(total / captureSeconds).toFixed(0)} events/s`,
    );
    const batches = fake.batches;
    /** What the relay compressed each batch with (gzip, but none for a request under 16 KiB), for the raw producer. */
    const compressionOf = (batch) =>
      requestCompression(
        batch.topicMessages
          .flatMap(({ messages }) => messages)
          .reduce((bytes, { key, value }) => bytes + key.length + value.length, 0),
        CompressionTypes.GZIP,
        DEFAULT_COMPRESS_MIN_BYTES,
      );
    const messageCount = fake.sent.length;

    // alternate the contenders over a few rounds (the machine is shared) and keep each one's best round
    const rounds = quick ? 2 : 3;
    let relayRate = 0;
    let oneThreadRate = 0;
    let rawRate = 0;
    let head = 0;
    // each contender's CPU per event by part, and the machine's busy total (node, its threads, PostgreSQL and the mock
    // broker alike): when the cores are the limit, the ratio of throughputs cannot pass the inverse ratio of the totals
    const cpuParts = { raw: [], relay: [] };
    for (let round = 1; round <= rounds; round += 1) {
      const rawStart = performance.now();
      const rawCpu = startCpuBreakdown();
      for (const batch of batches)
        await warm.sendBatch({ ...batch, acks: -1, compression: compressionOf(batch) });
      cpuParts.raw.push(rawCpu.stop(total));
      const rawSeconds = (performance.now() - rawStart) / 1000;
      rawRate = Math.max(rawRate, total / rawSeconds);
      log(
        `round ${round} raw:   the same ${batches.length} batches by a bare kafkajs producer in ${rawSeconds.toFixed(2)} s = ${(total / rawSeconds).toFixed(0)} events/s`,
      );

      // the relay as the reference server runs it: its producer in a worker thread (then, as before, on one thread)
      for (const threaded of [true, false]) {
        const relay = createRelay({
          eventStore: store.eventStore,
          checkpoints,
          kafka,
          ...(threaded ? { producerThread: { client: { brokers: [...broker.brokers] } } } : {}),
          options: { ...MOCK, batchSize, name: `bench-${round}-${threaded}` },
        });
        const relayStart = performance.now();
        const relayCpu = startCpuBreakdown();
        await drain(relay);
        if (threaded) cpuParts.relay.push(relayCpu.stop(total));
        const relaySeconds = (performance.now() - relayStart) / 1000;
        if (threaded) relayRate = Math.max(relayRate, total / relaySeconds);
        else oneThreadRate = Math.max(oneThreadRate, total / relaySeconds);
        head = relay.lag().position;
        log(
          `round ${round} relay${threaded ? ' (producer thread)' : ' (one thread)     '}: ${total} events (${messageCount} messages) in ${relaySeconds.toFixed(2)} s = ${(total / relaySeconds).toFixed(0)} events/s (batch ${batchSize})`,
        );
        await relay.stop({ drainTimeoutMs: 0 });
      }
    }
    log(
      `best:     relay ${relayRate.toFixed(0)} events/s (one thread ${oneThreadRate.toFixed(0)}), raw ${rawRate.toFixed(0)} events/s, ratio ${(relayRate / rawRate).toFixed(2)} (one thread ${(oneThreadRate / rawRate).toFixed(2)})`,
    );
    const relayCpuUs = median(cpuParts.relay.map((parts) => parts.machine));
    const rawCpuUs = median(cpuParts.raw.map((parts) => parts.machine));
    log(
      `machine CPU per event (median; all processes): relay ${relayCpuUs.toFixed(0)} µs, raw producer ${rawCpuUs.toFixed(0)} µs; the machine's ${cpus().length} cores cap the relay at ${((cpus().length * 1e6) / relayCpuUs).toFixed(0)} events/s (${((cpus().length * 1e6) / relayCpuUs / rawRate).toFixed(2)} of the raw producer's best)`,
    );
    // the relay's main thread reads, folds, maps and serializes; its producer thread, like the raw producer's main
    // thread, encodes and sends; the other threads also hold V8's garbage-collection helpers and zlib's pool
    log(formatBreakdown('  relay (producer thread):', cpuParts.relay, median));
    log(formatBreakdown('  raw producer:           ', cpuParts.raw, median));

    // ---- 1b. the same backlog by 1, 2 and 4 shards in this process (each shard its own producer and checkpoint)
    const shardRates = {};
    for (const shards of [1, 2, 4]) {
      const sharded = createShardedRelay({
        eventStore: store.eventStore,
        checkpoints,
        kafka,
        shards,
        options: { ...MOCK, batchSize, name: `bench-shards-${shards}` },
      });
      const started = performance.now();
      await drain(sharded);
      const elapsed = (performance.now() - started) / 1000;
      await sharded.stop({ drainTimeoutMs: 0 });
      shardRates[shards] = total / elapsed;
      log(
        `shards ${shards}: ${total} events in ${elapsed.toFixed(2)} s = ${(total / elapsed).toFixed(0)} events/s (${(shardRates[shards] / shardRates[1]).toFixed(2)} × 1 shard)`,
      );
    }

    // ---- 2. steady load: commit -> consumed (lib/commitToConsumed.mjs)
    await warm.disconnect();
    const e2e = await measureCommitToConsumed({
      store,
      checkpoints,
      broker,
      kafka,
      serverUrl: opened.serverUrl,
      head,
      input,
      options: { ...MOCK, batchSize },
      rate,
      seconds,
      rounds: steadyRounds,
      log,
    });
    const line = (label, { p50Median, p99Median, p99, consumed, expected }) =>
      log(
        `${label} p50 ${p50Median} ms, p99 ${p99Median} ms (median of ${p99.length}: ${p99.join(', ')}; ${consumed}/${expected} messages)`,
      );
    line('commit -> consumed via relay:', e2e.relay);
    line('commit -> consumed raw:      ', e2e.raw);
    log(
      `relay p99 / raw p99 (median of the rounds' paired ratios): ${e2e.relay.p99RatioToRaw.toFixed(2)}`,
    );
    if (e2e.idle) line('commit -> consumed, idle tx: ', e2e.idle);
    line('commit -> consumed, thread:  ', e2e.thread);

    const figures = {
      'kafka.relay.events_per_s': {
        value: Math.round(relayRate),
        unit: 'events/s',
        baseline: Math.round(rawRate),
        baselineName: 'raw kafkajs sendBatch of the same batches',
        ratio: relayRate / rawRate,
        events: total,
        messages: messageCount,
        batchSize,
        store: opened.name,
      },
      'kafka.relay.machine_cpu_us_per_event': {
        value: Math.round(relayCpuUs),
        unit: 'µs',
        baseline: Math.round(rawCpuUs),
        baselineName: 'raw kafkajs sendBatch of the same batches (the same machine-wide count)',
        ratio: relayCpuUs / rawCpuUs,
        parts: breakdownMedians(cpuParts.relay),
        baselineParts: breakdownMedians(cpuParts.raw),
      },
      'kafka.relay.one_thread.events_per_s': {
        value: Math.round(oneThreadRate),
        unit: 'events/s',
        baseline: Math.round(rawRate),
        baselineName: 'raw kafkajs sendBatch of the same batches',
        ratio: oneThreadRate / rawRate,
        events: total,
      },
      ...Object.fromEntries(
        [2, 4].map((shards) => [
          `kafka.relay.shards_${shards}.events_per_s`,
          {
            value: Math.round(shardRates[shards]),
            unit: 'events/s',
            baseline: Math.round(shardRates[1]),
            baselineName: 'the same backlog by 1 shard in the same run',
            ratio: shardRates[shards] / shardRates[1],
            events: total,
          },
        ]),
      ),
      'kafka.e2e.p99_ms': {
        value: e2e.relay.p99Median,
        unit: 'ms',
        p50: e2e.relay.p50Median,
        rounds: e2e.relay.p99,
        baseline: e2e.raw.p99Median,
        baselineName: 'raw producer send right after commit (median p99 of the same rounds)',
        baselineP50: e2e.raw.p50Median,
        ratio: e2e.relay.p99RatioToRaw,
        ordersPerSecond: rate,
        seconds,
        consumed: e2e.relay.consumed,
        expected: e2e.relay.expected,
      },
      'kafka.e2e.p99_ms.producer_thread': {
        value: e2e.thread.p99Median,
        unit: 'ms',
        p50: e2e.thread.p50Median,
        baseline: e2e.relay.p99Median,
        baselineName: 'the same load through the one-thread relay (median of its rounds)',
        ratio: e2e.thread.p99Median / Math.max(1, e2e.relay.p99Median),
        consumed: e2e.thread.consumed,
        expected: e2e.thread.expected,
      },
      ...(e2e.idle
        ? {
            'kafka.e2e.p99_ms.idle_tx_elsewhere': {
              value: e2e.idle.p99Median,
              unit: 'ms',
              p50: e2e.idle.p50Median,
              baseline: e2e.relay.p99Median,
              baselineName:
                'the same relay and load without the idle transaction (median of its rounds)',
              ratio: e2e.idle.p99Median / Math.max(1, e2e.relay.p99Median),
              consumed: e2e.idle.consumed,
              expected: e2e.idle.expected,
            },
          }
        : {}),
    };
    if (asJson) console.log(JSON.stringify(figures));
  } finally {
    await opened.close();
    await broker.stop();
  }
};

stopOnSignal();
main().catch((error) => {
  console.error(error);
  exitUnlessStopping(1);
});
