import { randomUUID } from 'node:crypto';
import {
  createPgCheckpointStore,
  createPgOrderStore,
  createTestDatabase,
  type TestDatabase,
} from '@oms/adapters-pg';
import { CompressionTypes, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRelay } from '../relay/createRelay.js';
import type { OutboundRecord } from '../relay/publisher.port.js';
import { createThreadedPublisher, type ProducerThreadLog } from '../relay/threadedPublisher.js';
import { startKafkaProxy } from '../testing/kafkaProxy.js';
import { startTestKafka, type TestKafka } from '../testing/mockCluster.js';
import { startTopicCollector, type TopicCollector } from '../testing/topicCollector.js';
import {
  commandHandler,
  concurrently,
  createAndConfirm,
  headOf,
  mockSettings,
  PUBLISHED,
} from './harness.js';
import { expectStreamOrderPerKey, waitForOrderMessages } from './streamOrder.js';

const TOPIC = 'oms.test.producer-thread';

/** `count` records of one request, keyed by `keys` in turn, each naming its request and place. */
const records = (request: string, count: number, keys: readonly string[], size = 100) =>
  Array.from(
    { length: count },
    (_, index): OutboundRecord => ({
      topic: TOPIC,
      key: keys[index % keys.length] ?? 'k',
      value: JSON.stringify({ request, index, pad: 'x'.repeat(size) }),
      headers: { 'test-request': request, 'test-index': String(index) },
    }),
  );

/** The producer settings the relay uses on this cluster (the mock cannot do an idempotent producer). */
const threadOptions = (brokers: readonly string[], kafka: TestKafka) => ({
  client: { brokers, clientId: 'oms-int-producer-thread', requestTimeout: 5_000 },
  producer: { idempotent: !kafka.mock, retry: { retries: 1, initialRetryTime: 100 } },
  compression: CompressionTypes.GZIP,
  timeoutMs: 10_000,
});

describe('the relay producer in a worker thread (createThreadedPublisher)', () => {
  let kafka: TestKafka;
  let db: TestDatabase;
  let collector: TopicCollector;

  beforeAll(async () => {
    kafka = await startTestKafka();
    db = await createTestDatabase(inject('databaseUrl'), { max: 6 });
    collector = await startTopicCollector({
      brokers: kafka.brokers,
      topics: [TOPIC, ...PUBLISHED],
    });
  });
  afterAll(async () => {
    await collector?.stop();
    await db?.drop();
    await kafka?.stop();
  });

  const ofRequests = (requests: readonly string[]) =>
    collector.messages.filter((message) =>
      requests.includes(message.headers['test-request'] ?? ''),
    );

  it('publishes pipelined requests in call order, each partition in order, and passes the client logs on', async () => {
    const logs: ProducerThreadLog[] = [];
    const publisher = createThreadedPublisher({
      ...threadOptions(kafka.brokers, kafka),
      logLevel: logLevel.DEBUG,
      onLog: (entry) => logs.push(entry),
    });
    expect(publisher.pipelined).toBe(true);
    const keys = ['a', 'b', 'c', 'd', 'e'].map((key) => `${key}-${randomUUID()}`);
    const requests = ['first', 'second', 'third'].map((name) => `${name}-${randomUUID()}`);
    try {
      await publisher.connect();
      // all three in flight at once, as the relay sends a batch's requests
      const results = await Promise.all(
        requests.map((request) => publisher.publish(records(request, 200, keys))),
      );
      for (const result of results) {
        expect(result.length).toBeGreaterThan(0);
        expect(result.every((partition) => partition.ok)).toBe(true);
      }
      const mine = (
        await collector.waitFor(() => ofRequests(requests).length >= 600, 30_000)
      ).filter((message) => requests.includes(message.headers['test-request'] ?? ''));
      expect(mine).toHaveLength(600);
      for (const key of keys) {
        const sequence = mine
          .filter((message) => message.key === key)
          .map(
            (message) =>
              `${requests.indexOf(message.headers['test-request'] ?? '')}:${message.headers['test-index']}`,
          );
        const sent = requests.flatMap((_, request) =>
          Array.from({ length: 200 }, (__, index) => index)
            .filter((index) => keys[index % keys.length] === key)
            .map((index) => `${request}:${index}`),
        );
        expect(sequence).toEqual(sent);
      }
      expect(logs.length).toBeGreaterThan(0);
      expect(logs.every((entry) => typeof entry.message === 'string' && entry.level >= 1)).toBe(
        true,
      );
    } finally {
      await publisher.disconnect();
    }
  });

  it('refuses unsent the requests behind a failed one, and sends them when published again', async () => {
    // the proxy answers MESSAGE_TOO_LARGE to a partition's record set above 20 KB, at once and for good
    const proxy = await startKafkaProxy({ upstreams: kafka.brokers, maxRecordSetBytes: 20_000 });
    const publisher = createThreadedPublisher({
      ...threadOptions(proxy.brokers, kafka),
      compression: CompressionTypes.None,
    });
    const key = `key-${randomUUID()}`;
    const [tooLarge, behind] = [`large-${randomUUID()}`, `behind-${randomUUID()}`];
    try {
      await publisher.connect();
      const [refused, notSent] = await Promise.all([
        publisher.publish(records(tooLarge, 1, [key], 50_000)),
        publisher.publish(records(behind, 3, [key])),
      ]);
      expect(refused.some((partition) => !partition.ok)).toBe(true);
      expect(notSent).toEqual([
        expect.objectContaining({ topic: TOPIC, partition: -1, ok: false }),
      ]);
      const [reason] = notSent;
      expect(reason && !reason.ok && String(reason.error)).toMatch(/not sent/);
      expect(proxy.refusedProduces).toBeGreaterThanOrEqual(1);

      // published again (as the relay does), it goes out: once, in order
      const again = await publisher.publish(records(behind, 3, [key]));
      expect(again.every((partition) => partition.ok)).toBe(true);
      await collector.waitFor(() => ofRequests([behind]).length >= 3, 30_000);
      expect(ofRequests([behind]).map((message) => message.headers['test-index'])).toEqual([
        '0',
        '1',
        '2',
      ]);
      expect(ofRequests([tooLarge])).toEqual([]);
    } finally {
      await publisher.disconnect();
      await proxy.close();
    }
  });

  it('starts a new thread for a publish after a disconnect', async () => {
    const publisher = createThreadedPublisher(threadOptions(kafka.brokers, kafka));
    const [before, after] = [`before-${randomUUID()}`, `after-${randomUUID()}`];
    await publisher.connect();
    expect((await publisher.publish(records(before, 2, ['k']))).every((p) => p.ok)).toBe(true);
    await publisher.disconnect();
    expect((await publisher.publish(records(after, 2, ['k']))).every((p) => p.ok)).toBe(true);
    await publisher.disconnect();
    await collector.waitFor(() => ofRequests([before, after]).length >= 4, 30_000);
  });

  it('refuses at creation settings that cannot cross to a thread', () => {
    expect(() =>
      createThreadedPublisher({
        ...threadOptions(kafka.brokers, kafka),
        producer: { createPartitioner: () => () => 0 },
      }),
    ).toThrow(/could not be cloned/);
  });

  it('a relay with its producer in a thread publishes a backlog once, in order per order', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    await checkpoints.save('threaded', await headOf(store.eventStore));
    const orderIds = await concurrently(150, 4, () => createAndConfirm(handle));
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      producerThread: { client: { brokers: kafka.brokers } },
      // small batches: several requests of a batch in flight at once
      options: { ...mockSettings(kafka), name: 'threaded', batchSize: 100, maxBatchBytes: 40_000 },
    });
    try {
      const head = await headOf(store.eventStore);
      for (;;) {
        const run = await relay.runOnce();
        if (run.isErr()) throw new Error(`${run.error.code}: ${run.error.message}`);
        if (run.value.events === 0) break;
      }
      expect(relay.lag().position).toBe(head);
      // created, confirmed and status-changed of each order
      const mine = await waitForOrderMessages(collector, orderIds, 450);
      expect(new Set(mine.map((message) => message.headers.ce_id)).size).toBe(450);
      expect(mine).toHaveLength(450);
      expectStreamOrderPerKey(mine);
    } finally {
      await relay.stop({ drainTimeoutMs: 0 });
    }
  });
});
