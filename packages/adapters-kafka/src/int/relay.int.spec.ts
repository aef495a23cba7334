import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  createPgCheckpointStore,
  createPgOrderStore,
  createTestDatabase,
  type TestDatabase,
} from '@oms/adapters-pg';
import { envelopeSchema, PUBLISHED_PAYLOAD_SCHEMAS, type PublishedEventType } from '@oms/domain';
import type { ProducerBatch } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { PublishedHeadersSchema } from '../asyncapi/headers.js';
import type { ProducerLike } from '../kafkaPorts.js';
import { createRelay, type Relay } from '../relay/createRelay.js';
import {
  type CollectedMessage,
  startTopicCollector,
  type TopicCollector,
} from '../testing/index.js';
import { startKafkaProxy } from '../testing/kafkaProxy.js';
import { startTestKafka, type TestKafka } from '../testing/mockCluster.js';
import {
  commandHandler,
  concurrently,
  createAndConfirm,
  headOf,
  mockSettings,
  PUBLISHED,
  testKafka,
} from './harness.js';
import { expectStreamOrderPerKey, waitForOrderMessages } from './streamOrder.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Every message of `orderIds` (create + confirm: created, confirmed, status_changed) once at least; counts. */
const tally = (messages: readonly CollectedMessage[], orderIds: readonly string[]) => {
  const ids = new Map<string, number>();
  for (const message of messages)
    ids.set(message.headers.ce_id ?? '', (ids.get(message.headers.ce_id ?? '') ?? 0) + 1);
  const keys = new Set(orderIds);
  const ofOrders = messages.filter((message) => keys.has(message.key ?? ''));
  const distinct = new Set(ofOrders.map((message) => message.headers.ce_id));
  return {
    distinct: distinct.size,
    duplicates: [...ids.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0),
    ids,
  };
};

describe('relay against a real Kafka-protocol broker', () => {
  let kafka: TestKafka;
  let db: TestDatabase;
  let collector: TopicCollector;
  const relays: Relay[] = [];

  beforeAll(async () => {
    kafka = await startTestKafka();
    db = await createTestDatabase(inject('databaseUrl'), { max: 12 });
    collector = await startTopicCollector({ brokers: kafka.brokers, topics: PUBLISHED });
  });
  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.stop({ drainTimeoutMs: 0 });
  });
  afterAll(async () => {
    await collector?.stop();
    await db?.drop();
    await kafka?.stop();
  });

  it('seed flow: create + confirm publish order.created then order.confirmed with payload, key and headers', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const orderId = await createAndConfirm(handle, TRACEPARENT);
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createPgCheckpointStore(db.pool),
      kafka: testKafka(kafka.brokers),
      options: { ...mockSettings(kafka), name: 'seed', pollIntervalMs: 10 },
    });
    relays.push(relay);
    await relay.start();
    const messages = await collector.waitFor(
      (all) => all.filter((message) => message.key === orderId).length >= 3,
    );
    const mine = messages.filter((message) => message.key === orderId);
    const created = mine.find((message) => message.topic === 'oms.orders.created');
    const confirmed = mine.find((message) => message.topic === 'oms.orders.confirmed');
    const changed = mine.find((message) => message.topic === 'oms.orders.status-changed');
    for (const [message, type] of [
      [created, 'order.created'],
      [confirmed, 'order.confirmed'],
      [changed, 'order.status_changed'],
    ] as const) {
      expect(message, type).toBeDefined();
      const envelope = envelopeSchema(type, PUBLISHED_PAYLOAD_SCHEMAS[type as PublishedEventType])
        .strict()
        .parse(JSON.parse(message?.value ?? 'null'));
      expect(envelope.aggregateId).toBe(orderId);
      const headers = PublishedHeadersSchema.parse(message?.headers);
      expect(headers).toMatchObject({ ce_type: type, ce_id: envelope.eventId });
    }
    const createdEnvelope = JSON.parse(created?.value ?? '{}');
    const confirmedEnvelope = JSON.parse(confirmed?.value ?? '{}');
    // the envelope's version is the event's schema version; the order's version is in the snapshot
    expect(createdEnvelope).toMatchObject({
      version: 1,
      payload: { id: orderId, status: 'DRAFT', version: 1 },
    });
    expect(confirmedEnvelope).toMatchObject({
      version: 1,
      payload: { id: orderId, status: 'CONFIRMED', version: 2, orderTotal: { amount: '59.98' } },
    });
    expect(created?.headers['oms-stream-version']).toBe('1');
    expect(confirmed?.headers['oms-stream-version']).toBe('2');
    expect(confirmedEnvelope.payload.confirmedAt).toEqual(expect.any(String));
    expect(createdEnvelope.occurredAt <= confirmedEnvelope.occurredAt).toBe(true);
    expect(created?.headers.traceparent).toBe(TRACEPARENT);
    expect(JSON.parse(changed?.value ?? '{}').payload).toMatchObject({
      previousStatus: 'DRAFT',
      newStatus: 'CONFIRMED',
    });
  });

  it('1,000 orders from 8 concurrent writers: every event published exactly once, in stream order per key', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    const start = await headOf(store.eventStore);
    await checkpoints.save('concurrent', start);
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      kafka: testKafka(kafka.brokers),
      options: { ...mockSettings(kafka), name: 'concurrent', pollIntervalMs: 5, batchSize: 200 },
    });
    relays.push(relay);
    await relay.start();
    // the relay tails the store while the writers commit, so late commits with lower positions are exercised
    const orderIds = await concurrently(1_000, 8, () => createAndConfirm(handle));
    const head = await headOf(store.eventStore);
    await vi.waitFor(() => expect(relay.lag().position).toBe(head), { timeout: 60_000 });
    const keys = new Set(orderIds);
    const messages = await collector.waitFor(
      (all) => all.filter((message) => keys.has(message.key ?? '')).length >= 3_000,
      60_000,
    );
    const mine = messages.filter((message) => keys.has(message.key ?? ''));
    const counts = tally(mine, orderIds);
    expect(counts.distinct).toBe(3_000);
    expect(counts.duplicates).toBe(0);
    expect(mine).toHaveLength(3_000);
    expect(relay.lag().publishedEvents).toBe(2_000);
    expectStreamOrderPerKey(mine);
    expect(await checkpoints.load('concurrent')).toBe(head);
  });

  it('relay killed mid-batch and restarted: nothing missing, duplicates only from the unacknowledged batch', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    await checkpoints.save('crash', await headOf(store.eventStore));
    const orderIds = await concurrently(150, 4, () => createAndConfirm(handle));
    const client = testKafka(kafka.brokers);
    const real = client.producer();
    // the third batch reaches the broker only in part, then the process "dies": no ack, no checkpoint
    let batches = 0;
    let sentBeforeDeath = 0;
    let batchOfDeath: ProducerBatch | undefined;
    const dying: ProducerLike = {
      connect: () => real.connect(),
      disconnect: () => real.disconnect(),
      send: (record) => real.send(record),
      async sendBatch(batch) {
        batches += 1;
        if (batches < 3) return real.sendBatch(batch);
        batchOfDeath = batch;
        const [first] = batch.topicMessages ?? [];
        if (first) {
          await real.sendBatch({ ...batch, topicMessages: [first] });
          sentBeforeDeath = first.messages.length;
        }
        return new Promise(() => {});
      },
    };
    const doomed = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      producer: dying,
      options: { ...mockSettings(kafka), name: 'crash', batchSize: 60, pollIntervalMs: 5 },
    });
    void doomed.start();
    await vi.waitFor(() => expect(sentBeforeDeath).toBeGreaterThan(0), { timeout: 30_000 });
    await real.disconnect();
    const checkpointAtDeath = await checkpoints.load('crash');
    expect(doomed.lag().publishedEvents).toBe(120);

    const restarted = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      kafka: testKafka(kafka.brokers),
      options: { ...mockSettings(kafka), name: 'crash', batchSize: 60, pollIntervalMs: 5 },
    });
    relays.push(restarted);
    await restarted.start();
    const head = await headOf(store.eventStore);
    await vi.waitFor(() => expect(restarted.lag().position).toBe(head), { timeout: 60_000 });
    expect(restarted.lag().publishedEvents).toBe(300 - 120);
    const mine = await waitForOrderMessages(collector, orderIds, 450);
    const counts = tally(mine, orderIds);
    expect(counts.distinct).toBe(450);
    // the duplicates are exactly what the dead relay sent of its unacknowledged batch
    expect(counts.duplicates).toBe(sentBeforeDeath);
    const deathIds = new Set(
      (batchOfDeath?.topicMessages ?? []).flatMap((topic) =>
        topic.messages.map((message) => String(message.headers?.ce_id)),
      ),
    );
    for (const [id, count] of counts.ids) if (count > 1) expect(deathIds.has(id)).toBe(true);
    expect(checkpointAtDeath).toBeLessThan(head);
    expectStreamOrderPerKey(mine, true);
  });

  it('relay process killed with SIGKILL mid-run and restarted: nothing missing, duplicates within one batch', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    await checkpoints.save('killed', await headOf(store.eventStore));
    const orderIds = await concurrently(400, 4, () => createAndConfirm(handle));
    const head = await headOf(store.eventStore);
    const script = fileURLToPath(new URL('./fixtures/relayProcess.ts', import.meta.url));
    const spawnRelay = () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', script, db.url, kafka.brokers.join(','), '50', String(kafka.mock)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const batches: { events: number; messages: number; position: number }[] = [];
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const [word, events, messages, position] = line.split(' ');
          if (word === 'published')
            batches.push({
              events: Number(events),
              messages: Number(messages),
              position: Number(position),
            });
        }
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      return { child, batches, exited };
    };

    const first = spawnRelay();
    await vi.waitFor(() => expect(first.batches.length).toBeGreaterThanOrEqual(4), {
      timeout: 60_000,
      interval: 5,
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const checkpointAtKill = await checkpoints.load('killed');
    expect(checkpointAtKill).toBeLessThan(head);

    const second = spawnRelay();
    try {
      await vi.waitFor(async () => expect(await checkpoints.load('killed')).toBe(head), {
        timeout: 60_000,
      });
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    const mine = await waitForOrderMessages(collector, orderIds, 1_200);
    const counts = tally(mine, orderIds);
    expect(counts.distinct).toBe(1_200);
    // at most the one batch that was in flight (sent, or acknowledged but not checkpointed) comes again
    const largestBatch = Math.max(...[...first.batches, ...second.batches].map((b) => b.messages));
    expect(counts.duplicates).toBeLessThanOrEqual(largestBatch);
    for (const message of mine)
      if ((counts.ids.get(message.headers.ce_id ?? '') ?? 0) > 1)
        expect(Number(message.headers['oms-position'])).toBeGreaterThan(checkpointAtKill);
    expectStreamOrderPerKey(mine, true);
    console.info(
      `kill -9 after ${first.batches.length} acknowledged batches: ${counts.duplicates} duplicate messages (largest batch ${largestBatch})`,
    );
  });

  it('broker outage through the Kafka-aware proxy: publishing resumes and nothing is lost', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    await checkpoints.save('outage', await headOf(store.eventStore));
    const proxy = await startKafkaProxy({ upstreams: kafka.brokers });
    const errors: string[] = [];
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      kafka: testKafka(proxy.brokers),
      options: {
        // the proxy rewrites the controller id, so the idempotent producer works here; topics: see harness
        idempotent: true,
        createTopics: !kafka.mock,
        name: 'outage',
        pollIntervalMs: 5,
        batchSize: 100,
        backoff: { initialMs: 50, maxMs: 500 },
        onError: (error) => errors.push(error.code),
      },
    });
    relays.push(relay);
    try {
      await relay.start();
      const before = await concurrently(50, 4, () => createAndConfirm(handle));
      let head = await headOf(store.eventStore);
      await vi.waitFor(() => expect(relay.lag().position).toBe(head), { timeout: 30_000 });

      await proxy.cut();
      const during = await concurrently(100, 4, () => createAndConfirm(handle));
      await vi.waitFor(() => expect(relay.lag().failures).toBeGreaterThanOrEqual(3), {
        timeout: 30_000,
      });
      expect(relay.lag().status).toBe('backing-off');
      expect(await checkpoints.load('outage')).toBe(head);
      expect(relay.lag().events).toBeGreaterThan(0);
      expect(errors).toContain('publish-failed');

      await proxy.restore();
      head = await headOf(store.eventStore);
      await vi.waitFor(() => expect(relay.lag().position).toBe(head), { timeout: 60_000 });
      const orderIds = [...before, ...during];
      const mine = await waitForOrderMessages(collector, orderIds, 450);
      expect(tally(mine, orderIds).distinct).toBe(450);
      expectStreamOrderPerKey(mine);
      expect(relay.lag()).toMatchObject({ events: 0, seconds: 0, status: 'running' });
    } finally {
      await relay.stop({ drainTimeoutMs: 0 });
      relays.splice(relays.indexOf(relay), 1);
      await proxy.close();
    }
  });
});
