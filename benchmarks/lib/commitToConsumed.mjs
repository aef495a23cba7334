// Commit -> consumed under a steady load, for the relay bench: orders created and confirmed at a fixed rate through
// the domain's command handler, each commit timed until a consumer in its own thread receives its message.
//
// Each phase runs on a fresh mock cluster with its own consumer: librdkafka's mock answers fetches more and more
// slowly as its logs grow (a phase after another measured the mock, seconds). The relay and the raw baseline (a
// producer sending right after the commit) alternate over `rounds`, so that both see the same moments of a shared
// machine; the figures are medians over the rounds, and the ratio is the median of the rounds' paired ratios.
import {
  createRelay,
  DEFAULT_COMPRESS_MIN_BYTES,
  relayProducerConfig,
  requestCompression,
} from '@oms/adapters-kafka';
import { startTestKafka } from '@oms/adapters-kafka/testing';
import {
  createOrderCommandHandler,
  PUBLISHED_TOPIC_NAMES,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { startCollectorThread } from './collectorThread.mjs';
import { median, percentile } from './common.mjs';

const WARMUP_SECONDS = 2;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const RAW_TOPICS = {
  'order.created': 'bench.raw.created',
  'order.confirmed': 'bench.raw.confirmed',
};
const STEADY_TOPICS = ['oms.orders.created', 'oms.orders.confirmed', ...Object.values(RAW_TOPICS)];

/**
 * Runs the phases and returns, per kind (`relay`, `raw`, `idle`, `thread`), the p50/p99 of every round and the
 * messages consumed and expected. `head` is the global position the relays start after.
 */
export const measureCommitToConsumed = async ({
  store,
  checkpoints,
  broker,
  kafka,
  serverUrl,
  head,
  input,
  options,
  rate,
  seconds,
  rounds,
  log,
}) => {
  /** eventId -> the commit's time and the phase it belongs to. */
  const committedAt = new Map();
  /** Per phase (`kind#round`): the latencies measured and the commits timed. */
  const latencies = new Map();
  const timedEvents = new Map();
  let phase = 'relay#1';
  /** Off during each phase's warm-up: only commits of the steady part are timed. */
  let measuring = false;
  const timedStore = {
    ...store.eventStore,
    appendToStream: (streamId, events, appendOptions) =>
      store.eventStore.appendToStream(streamId, events, appendOptions).map((result) => {
        const at = Date.now();
        if (!measuring) return result;
        timedEvents.set(phase, (timedEvents.get(phase) ?? 0) + events.length);
        for (const event of events) committedAt.set(event.eventId, { at, phase });
        return result;
      }),
  };

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
    for (const topic of [...PUBLISHED_TOPIC_NAMES, ...Object.values(RAW_TOPICS)])
      await producer.send({ topic, acks: -1, messages: [{ key: 'warm', value: '{}' }] });
    // from the end; a short fetch wait because the mock holds every fetch for the full wait
    const collector = await startCollectorThread({
      brokers: cluster.brokers,
      maxWaitTimeInMs: 20,
      topics: STEADY_TOPICS,
      onMessage: (message) => {
        const committed = committedAt.get(message.ceId);
        if (committed === undefined) return;
        const raw = message.topic.startsWith('bench.raw');
        if (raw !== committed.phase.startsWith('raw#')) return;
        latencies.get(committed.phase)?.push(message.receivedAt - committed.at);
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

  /** Orders at `rate` for the warm-up and `seconds` more; waits (30 s at most) for every timed commit's message. */
  const steady = async (label, onCommitted) => {
    latencies.set(phase, []);
    timedEvents.set(phase, 0);
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
      const wait = started + sent * interval - performance.now();
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
    const expected = timedEvents.get(phase);
    const measured = latencies.get(phase);
    for (let waited = 0; measured.length < expected && waited < 30_000; waited += 100)
      await sleep(100);
    log(
      `${label}: ${sent} orders at ${(sent / (WARMUP_SECONDS + seconds)).toFixed(0)} orders/s, ${expected} commits timed: p50 ${percentile(measured, 50)} ms, p99 ${percentile(measured, 99)} ms (${measured.length}/${expected} consumed)`,
    );
  };

  /** The last committed position from `from` on: a relay phase starts there, with no backlog to publish first. */
  const headFrom = async (from) => {
    let at = from;
    for (;;) {
      const page = (await store.eventStore.readAll(at, 5_000))._unsafeUnwrap();
      if (page.length === 0) return at;
      at = page.at(-1).globalPosition;
    }
  };

  /**
   * One phase on its own cluster: a relay from the head of the log (what the phase before committed, a raw phase's
   * orders say, is not this phase's to publish: it would be a backlog burst in its first seconds).
   */
  let tailFrom = head;
  const relayPhase = async (name, label, relayDeps = () => ({})) => {
    phase = name;
    const cluster = await freshCluster();
    const relayName = `bench-tail-${name.replace('#', '-')}`;
    tailFrom = await headFrom(tailFrom);
    await checkpoints.save(relayName, tailFrom);
    const tail = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      kafka: cluster.kafka,
      ...relayDeps(cluster),
      options: { ...options, name: relayName },
    });
    await tail.start();
    try {
      await steady(label);
    } finally {
      await tail.stop();
      tailFrom = tail.lag().position;
      await cluster.stop();
    }
  };

  /** The baseline: a producer that sends each outcome's message right after its commit, compressed as the relay would. */
  const rawPhase = async (name, label) => {
    phase = name;
    const cluster = await freshCluster();
    const raw = cluster.kafka.producer(relayProducerConfig(options));
    await raw.connect();
    try {
      await steady(label, (outcome) => {
        const [event] = outcome.events;
        const key = outcome.view.id;
        const value = JSON.stringify({ eventId: event.eventId, payload: outcome.view });
        return raw.send({
          topic: RAW_TOPICS[event.type],
          acks: -1,
          // the relay's rule: a request this small goes uncompressed
          compression: requestCompression(
            key.length + value.length,
            CompressionTypes.GZIP,
            DEFAULT_COMPRESS_MIN_BYTES,
          ),
          messages: [{ key, value, headers: { ce_id: event.eventId } }],
        });
      });
    } finally {
      await raw.disconnect();
      await cluster.stop();
    }
  };

  for (let round = 1; round <= rounds; round += 1) {
    await relayPhase(`relay#${round}`, `round ${round} steady load through the relay`);
    await rawPhase(`raw#${round}`, `round ${round} steady load, raw producer after commit`);
  }

  // the same load while another database of the cluster holds a transaction with an xid open (an operator's
  // forgotten psql session): the relay must not wait for it
  if (serverUrl) {
    const idle = new pg.Client({ connectionString: serverUrl });
    await idle.connect();
    try {
      await idle.query('BEGIN');
      await idle.query('SELECT pg_current_xact_id()');
      await relayPhase('idle#1', 'steady load, idle transaction open in another database');
    } finally {
      await idle.query('ROLLBACK').catch(() => undefined);
      await idle.end();
    }
  }

  // the same load through a relay with its producer in a worker thread (OMS_RELAY_PRODUCER_THREAD)
  await relayPhase('thread#1', 'steady load, relay with its producer in a thread', (cluster) => ({
    producerThread: { client: { brokers: [...cluster.brokers] } },
  }));

  const summary = {};
  for (const [name, measured] of latencies) {
    const [kind] = name.split('#');
    summary[kind] ??= { p50: [], p99: [], consumed: 0, expected: 0 };
    summary[kind].p50.push(percentile(measured, 50));
    summary[kind].p99.push(percentile(measured, 99));
    summary[kind].consumed += measured.length;
    summary[kind].expected += timedEvents.get(name);
  }
  for (const figures of Object.values(summary)) {
    figures.p50Median = median(figures.p50);
    figures.p99Median = median(figures.p99);
  }
  summary.relay.p99RatioToRaw = median(
    summary.relay.p99.map((p99, index) => p99 / Math.max(1, summary.raw.p99[index])),
  );
  return summary;
};
