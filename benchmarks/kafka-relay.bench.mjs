#!/usr/bin/env node
import { performance } from 'node:perf_hooks';
import {
  createInMemoryCheckpointStore,
  createRelay,
  createShardedRelay,
  relayProducerConfig,
} from '@oms/adapters-kafka';
import { createFakeKafka, startTestKafka, startTopicCollector } from '@oms/adapters-kafka/testing';
import { createPgCheckpointStore, createPgOrderStore, createTestDatabase } from '@oms/adapters-pg';
import {
  createOrderCommandHandler,
  decide,
  eventSchemaVersion,
  evolve,
  initialState,
  ORDER_INPUT_SCHEMAS,
  systemClock,
  toCommand,
  toOrderView,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/fixtures';
import { createInMemoryOrderStore } from '@oms/domain/testing';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { flag, median, option, percentile } from './lib/common.mjs';
import { startBenchDatabase } from './lib/database.mjs';
import { machineBusyMicros } from './lib/machineCpu.mjs';

const quick = flag('--quick');
const asJson = flag('--json');
const backlogEvents = Number(option('--events', quick ? 10_000 : 100_000));
const rate = Number(option('--rate', 200));
const seconds = Number(option('--seconds', quick ? 5 : 20));
const batchSize = Number(option('--batch', 2000));
const storeKind = option('--store', 'pg');
const out = asJson ? process.stderr : process.stdout;
const log = (line = '') => out.write(`${line}\n`);
const WARMUP_SECONDS = 2;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// the mock cannot do an idempotent producer (controller id 0) nor CreateTopics; everything else is default
const MOCK = { idempotent: false, createTopics: false };
const PUBLISHED = ['oms.orders.created', 'oms.orders.confirmed', 'oms.orders.status-changed'];

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
    for (const topic of [...PUBLISHED, 'bench.raw.created', 'bench.raw.confirmed'])
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
    const messageCount = fake.sent.length;

    // alternate the contenders over a few rounds (the machine is shared) and keep each one's best round
    const rounds = quick ? 2 : 3;
    let relayRate = 0;
    let oneThreadRate = 0;
    let rawRate = 0;
    let head = 0;
    // the machine's busy CPU per event of each contender (node, its threads, PostgreSQL and the mock broker alike):
    // when the cores are the limit, the ratio of throughputs cannot pass the inverse ratio of these
    const cpuPerEvent = { raw: [], relay: [] };
    for (let round = 1; round <= rounds; round += 1) {
      const rawStart = performance.now();
      const rawCpu = machineBusyMicros();
      for (const batch of batches)
        await warm.sendBatch({ ...batch, acks: -1, compression: CompressionTypes.GZIP });
      cpuPerEvent.raw.push((machineBusyMicros() - rawCpu) / total);
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
        const relayCpu = machineBusyMicros();
        await drain(relay);
        if (threaded) cpuPerEvent.relay.push((machineBusyMicros() - relayCpu) / total);
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
    const relayCpuUs = median(cpuPerEvent.relay);
    const rawCpuUs = median(cpuPerEvent.raw);
    log(
      `machine CPU per event (median; all processes): relay ${relayCpuUs.toFixed(0)} µs, raw producer ${rawCpuUs.toFixed(0)} µs; with the cores as the limit the ratio stays under ${(rawCpuUs / relayCpuUs).toFixed(2)}`,
    );

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

    // ---- 2. steady load: commit -> consumed. Each phase on a fresh mock cluster with its own consumer: librdkafka's
    // mock answers fetches more and more slowly as its logs grow (a phase after another measured the mock, seconds).
    const committedAt = new Map();
    const latencies = { relay: [], idle: [], thread: [], raw: [] };
    /** Which measure a commit belongs to: the relay, beside an idle transaction, with a producer thread, raw. */
    let phase = 'relay';
    /** Off during each phase's warm-up: only commits of the steady part are timed. */
    let measuring = false;
    /** Events committed while measuring, by phase: each is one message to wait for. */
    const timedEvents = { relay: 0, idle: 0, thread: 0, raw: 0 };
    const timedStore = {
      ...store.eventStore,
      appendToStream: (streamId, events, options) =>
        store.eventStore.appendToStream(streamId, events, options).map((result) => {
          const at = Date.now();
          if (!measuring) return result;
          timedEvents[phase] += events.length;
          for (const event of events) committedAt.set(event.eventId, { at, phase });
          return result;
        }),
    };
    const STEADY_TOPICS = [
      'oms.orders.created',
      'oms.orders.confirmed',
      'bench.raw.created',
      'bench.raw.confirmed',
    ];

    /** A fresh mock cluster (or the given one), its topics created, and a consumer that has read from each. */
    const freshCluster = async () => {
      const cluster = broker.mock ? await startTestKafka() : broker;
      const client = broker.mock
        ? new Kafka({
            clientId: 'oms-kafka-bench-steady',
            brokers: [...cluster.brokers],
            logLevel: logLevel.NOTHING,
          })
        : kafka;
      const producer = client.producer();
      await producer.connect();
      for (const topic of [...PUBLISHED, 'bench.raw.created', 'bench.raw.confirmed'])
        await producer.send({ topic, acks: -1, messages: [{ key: 'warm', value: '{}' }] });
      // from the end; a short fetch wait because the mock holds every fetch for the full wait
      const collector = await startTopicCollector({
        kafka: client,
        brokers: cluster.brokers,
        fromBeginning: false,
        maxWaitTimeInMs: 20,
        topics: STEADY_TOPICS,
        onMessage: (message) => {
          const committed = committedAt.get(message.headers.ce_id);
          if (committed === undefined) return;
          const raw = message.topic.startsWith('bench.raw');
          if (raw !== (committed.phase === 'raw')) return;
          latencies[committed.phase].push(message.receivedAt - committed.at);
        },
      });
      // ready once it has read a probe from every topic (its group settles only after the first fetches)
      for (let attempt = 0; attempt < 30; attempt += 1) {
        const key = `probe-${attempt}`;
        for (const topic of STEADY_TOPICS)
          await producer.send({ topic, messages: [{ key, value: '{}' }] });
        const seen = await collector
          .waitFor(
            (all) =>
              STEADY_TOPICS.every((topic) => all.some((m) => m.key === key && m.topic === topic)),
            2_000,
          )
          .then(
            () => true,
            () => false,
          );
        if (seen) break;
      }
      await producer.disconnect();
      await sleep(1_000);
      return {
        kafka: client,
        brokers: cluster.brokers,
        stop: async () => {
          await collector.stop();
          if (cluster !== broker) await cluster.stop();
        },
      };
    };

    const steady = async (label, onCommitted) => {
      const handle = createOrderCommandHandler({
        eventStore: timedStore,
        clock: systemClock,
        ids: uuidV7Generator,
      });
      const interval = 1000 / rate;
      // the first WARMUP_SECONDS are not timed: the relay's first poll, the consumer's first fetches of the phase's
      // topics and the JIT make a start-up tail that is not the steady latency asked for
      const started = performance.now();
      const warmupTimer = setTimeout(() => {
        measuring = true;
      }, WARMUP_SECONDS * 1000);
      const inflight = new Set();
      let sent = 0;
      while (performance.now() - started < (WARMUP_SECONDS + seconds) * 1000) {
        const due = started + sent * interval;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        sent += 1;
        const job = (async () => {
          const created = (
            await handle({ type: 'CreateOrder', input }, { actor: 'bench' })
          )._unsafeUnwrap();
          await onCommitted?.(created);
          const confirmed = (
            await handle({ type: 'ConfirmOrder', orderId: created.view.id }, { actor: 'bench' })
          )._unsafeUnwrap();
          await onCommitted?.(confirmed);
        })();
        inflight.add(job);
        job.finally(() => inflight.delete(job));
      }
      await Promise.all(inflight);
      clearTimeout(warmupTimer);
      measuring = false;
      log(
        `${label}: ${sent} orders at ${(sent / (WARMUP_SECONDS + seconds)).toFixed(0)} orders/s (the last ${seconds} s timed: ${timedEvents[phase]} commits)`,
      );
      const expected = timedEvents[phase];
      for (let waited = 0; latencies[phase].length < expected && waited < 30_000; waited += 100)
        await sleep(100);
      return expected;
    };

    /** One phase on its own cluster: a relay tailing from where the last one stopped, or a raw producer. */
    let tailFrom = head;
    const relayPhase = async (name, label, relayDeps = {}) => {
      phase = name;
      const cluster = await freshCluster();
      await checkpoints.save(`bench-tail-${name}`, tailFrom);
      const tail = createRelay({
        eventStore: store.eventStore,
        checkpoints,
        kafka: cluster.kafka,
        ...relayDeps(cluster),
        options: { ...MOCK, batchSize, name: `bench-tail-${name}` },
      });
      await tail.start();
      try {
        return await steady(label);
      } finally {
        await tail.stop();
        tailFrom = tail.lag().position;
        await cluster.stop();
      }
    };

    const expect = await relayPhase('relay', 'steady load through the relay', () => ({}));

    // the same load while another database of the cluster holds a transaction with an xid open (an operator's
    // forgotten psql session): the relay must not wait for it
    let idleExpect = 0;
    if (opened.serverUrl) {
      const idle = new pg.Client({ connectionString: opened.serverUrl });
      await idle.connect();
      try {
        await idle.query('BEGIN');
        await idle.query('SELECT pg_current_xact_id()');
        idleExpect = await relayPhase(
          'idle',
          'steady load, idle transaction open in another database',
          () => ({}),
        );
      } finally {
        await idle.query('ROLLBACK').catch(() => undefined);
        await idle.end();
      }
    }

    // the same load through a relay with its producer in a worker thread (OMS_RELAY_PRODUCER_THREAD)
    const threadExpect = await relayPhase(
      'thread',
      'steady load, relay with its producer in a thread',
      (cluster) => ({ producerThread: { client: { brokers: [...cluster.brokers] } } }),
    );

    phase = 'raw';
    const rawCluster = await freshCluster();
    const raw = rawCluster.kafka.producer(relayProducerConfig(MOCK));
    await raw.connect();
    const rawExpect = await steady('steady load, raw producer after commit', (outcome) => {
      const [event] = outcome.events;
      return raw.send({
        topic: event.type === 'order.created' ? 'bench.raw.created' : 'bench.raw.confirmed',
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: [
          {
            key: outcome.view.id,
            value: JSON.stringify({ eventId: event.eventId, payload: outcome.view }),
            headers: { ce_id: event.eventId },
          },
        ],
      });
    });
    await raw.disconnect();
    await rawCluster.stop();
    await warm.disconnect();

    const p = (values, q) => percentile(values, q);
    log(
      `commit -> consumed via relay: p50 ${p(latencies.relay, 50)} ms, p99 ${p(latencies.relay, 99)} ms (${latencies.relay.length}/${expect} messages)`,
    );
    if (idleExpect > 0)
      log(
        `commit -> consumed, idle tx:  p50 ${p(latencies.idle, 50)} ms, p99 ${p(latencies.idle, 99)} ms (${latencies.idle.length}/${idleExpect} messages)`,
      );
    log(
      `commit -> consumed, thread:    p50 ${p(latencies.thread, 50)} ms, p99 ${p(latencies.thread, 99)} ms (${latencies.thread.length}/${threadExpect} messages)`,
    );
    log(
      `commit -> consumed raw:       p50 ${p(latencies.raw, 50)} ms, p99 ${p(latencies.raw, 99)} ms (${latencies.raw.length}/${rawExpect} messages)`,
    );

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
        value: p(latencies.relay, 99),
        unit: 'ms',
        p50: p(latencies.relay, 50),
        baseline: p(latencies.raw, 99),
        baselineName: 'raw producer send right after commit',
        baselineP50: p(latencies.raw, 50),
        ratio: p(latencies.relay, 99) / Math.max(1, p(latencies.raw, 99)),
        ordersPerSecond: rate,
        seconds,
        consumed: latencies.relay.length,
        expected: expect,
      },
      'kafka.e2e.p99_ms.producer_thread': {
        value: p(latencies.thread, 99),
        unit: 'ms',
        p50: p(latencies.thread, 50),
        baseline: p(latencies.relay, 99),
        baselineName: 'the same load through the one-thread relay',
        ratio: p(latencies.thread, 99) / Math.max(1, p(latencies.relay, 99)),
        consumed: latencies.thread.length,
        expected: threadExpect,
      },
      ...(idleExpect > 0
        ? {
            'kafka.e2e.p99_ms.idle_tx_elsewhere': {
              value: p(latencies.idle, 99),
              unit: 'ms',
              p50: p(latencies.idle, 50),
              baseline: p(latencies.relay, 99),
              baselineName: 'the same relay and load without the idle transaction',
              ratio: p(latencies.idle, 99) / Math.max(1, p(latencies.relay, 99)),
              consumed: latencies.idle.length,
              expected: idleExpect,
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

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
