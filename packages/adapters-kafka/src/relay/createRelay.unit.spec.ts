import {
  createOrderCommandHandler,
  type EventStore,
  ORDER_INPUT_SCHEMAS,
  PUBLISHED_TOPIC_NAMES,
  parseInput,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { CompressionTypes } from 'kafkajs';
import { errAsync } from 'neverthrow';
import { describe, expect, it, vi } from 'vitest';
import { createFakeKafka } from '../testing/fakeKafka.js';
import { backoffDelay } from './backoff.js';
import { createStateCache } from './buildMessages.js';
import { createInMemoryCheckpointStore, createInMemoryLeases } from './checkpoint.port.js';
import { createRelay, type RelayError } from './createRelay.js';
import { DEFAULT_COMPRESS_MIN_BYTES } from './kafkajsPublisher.js';
import { measureRelayLag } from './measureRelayLag.js';

const setup = () => {
  const store = createInMemoryOrderStore();
  const handle = createOrderCommandHandler({
    eventStore: store.eventStore,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  const createAndConfirm = async () => {
    const input = parseInput(
      ORDER_INPUT_SCHEMAS.CreateOrder,
      orderFixtures.seedCreateOrderBody(),
    )._unsafeUnwrap();
    const created = await handle(
      { type: 'CreateOrder', input },
      { actor: 'test', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    );
    const orderId = created._unsafeUnwrap().view.id;
    (await handle({ type: 'ConfirmOrder', orderId }, { actor: 'test' }))._unsafeUnwrap();
    return orderId;
  };
  return { store, handle, createAndConfirm };
};

describe('relay producer settings for real clusters', () => {
  it('defaults to an idempotent producer, acks from all replicas, gzip from 16 KiB a request and topic creation', async () => {
    const kafka = createFakeKafka();
    const { store, createAndConfirm } = setup();
    for (let order = 0; order < 20; order += 1) await createAndConfirm();
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      kafka,
    });
    (await relay.runOnce())._unsafeUnwrap();
    await createAndConfirm();
    // the first run read the next batch ahead (empty then): the one after reads the new order
    (await relay.runOnce())._unsafeUnwrap();
    (await relay.runOnce())._unsafeUnwrap();
    expect(kafka.producerConfigs).toEqual([
      expect.objectContaining({ idempotent: true, maxInFlightRequests: 1 }),
    ]);
    // twenty orders' messages in one request (16 KiB and more): compressed; one order's: not
    const bytes = (index: number) =>
      (kafka.batches[index]?.topicMessages ?? [])
        .flatMap((topic) => topic.messages)
        .reduce(
          (sum, message) => sum + String(message.key).length + String(message.value).length,
          0,
        );
    expect(bytes(0)).toBeGreaterThanOrEqual(DEFAULT_COMPRESS_MIN_BYTES);
    expect(bytes(1)).toBeGreaterThan(0);
    expect(bytes(1)).toBeLessThan(DEFAULT_COMPRESS_MIN_BYTES);
    expect(kafka.batches[0]).toMatchObject({ acks: -1, compression: CompressionTypes.GZIP });
    expect(kafka.batches[1]).toMatchObject({ acks: -1, compression: CompressionTypes.None });
    expect(kafka.createdTopics).toHaveLength(1);
    expect(kafka.createdTopics[0]?.map((topic) => topic.topic).sort()).toEqual(
      [...PUBLISHED_TOPIC_NAMES].sort(),
    );
    expect(kafka.createdTopics[0]?.[0]).toMatchObject({ numPartitions: -1, replicationFactor: -1 });
  });

  it('turns each default off on request', async () => {
    const kafka = createFakeKafka();
    const { store, createAndConfirm } = setup();
    await createAndConfirm();
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      kafka,
      options: { idempotent: false, compression: 'none', createTopics: false },
    });
    (await relay.runOnce())._unsafeUnwrap();
    expect(kafka.producerConfigs[0]).toMatchObject({ idempotent: false });
    expect(kafka.producerConfigs[0]).not.toHaveProperty('maxInFlightRequests');
    expect(kafka.batches[0]).toMatchObject({ acks: -1, compression: CompressionTypes.None });
    expect(kafka.createdTopics).toEqual([]);
  });

  it('creates topics with the partitions asked for, and carries on when creation is refused', async () => {
    const kafka = createFakeKafka();
    const errors: RelayError[] = [];
    const { store, createAndConfirm } = setup();
    await createAndConfirm();
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      kafka,
      options: {
        createTopics: { numPartitions: 12, replicationFactor: 3 },
        onError: (error) => errors.push(error),
      },
    });
    (await relay.runOnce())._unsafeUnwrap();
    expect(kafka.createdTopics[0]?.[0]).toMatchObject({ numPartitions: 12, replicationFactor: 3 });

    const refused = createFakeKafka();
    refused.failTopicCreation(new Error('TOPIC_AUTHORIZATION_FAILED'));
    const second = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      kafka: refused,
      options: { onError: (error) => errors.push(error) },
    });
    expect((await second.runOnce())._unsafeUnwrap().events).toBe(2);
    expect(errors.map((error) => error.message)).toEqual([
      'topic creation: TOPIC_AUTHORIZATION_FAILED',
    ]);
  });
});

describe('relay', () => {
  it('publishes order.created and order.confirmed (with status_changed) keyed by order id, then checkpoints', async () => {
    const kafka = createFakeKafka();
    const checkpoints = createInMemoryCheckpointStore();
    const { store, createAndConfirm } = setup();
    const orderId = await createAndConfirm();
    const relay = createRelay({ eventStore: store.eventStore, checkpoints, kafka });
    expect((await relay.runOnce())._unsafeUnwrap()).toEqual({
      events: 2,
      messages: 3,
      position: 2,
    });
    expect(kafka.sent.map((message) => [message.topic, message.key])).toEqual([
      ['oms.orders.created', orderId],
      ['oms.orders.confirmed', orderId],
      ['oms.orders.status-changed', orderId],
    ]);
    const created = JSON.parse(kafka.sent[0]?.value ?? '{}');
    expect(created).toMatchObject({
      eventType: 'order.created',
      aggregateId: orderId,
      aggregateType: 'Order',
      version: 1,
      payload: { id: orderId, status: 'DRAFT' },
    });
    expect(kafka.sent[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      ce_specversion: '1.0',
      ce_id: created.eventId,
      ce_type: 'order.created',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(JSON.parse(kafka.sent[2]?.value ?? '{}').payload).toMatchObject({
      previousStatus: 'DRAFT',
      newStatus: 'CONFIRMED',
    });
    expect(await checkpoints.load('oms-relay')).toBe(2);
    expect((await relay.runOnce())._unsafeUnwrap().events).toBe(0);
    expect(kafka.sent).toHaveLength(3);
  });

  it('rebuilds the state before an event from the stream when the batch starts mid-stream', async () => {
    const kafka = createFakeKafka();
    const { store, createAndConfirm } = setup();
    const orderId = await createAndConfirm();
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore({ 'oms-relay': 1 }),
      kafka,
    });
    (await relay.runOnce())._unsafeUnwrap();
    expect(kafka.sent.map((message) => message.topic)).toEqual([
      'oms.orders.confirmed',
      'oms.orders.status-changed',
    ]);
    expect(JSON.parse(kafka.sent[0]?.value ?? '{}').payload).toMatchObject({
      id: orderId,
      status: 'CONFIRMED',
      lines: [expect.objectContaining({ sku: 'SKU-001' })],
    });
  });

  it('keeps its checkpoint and the batch while the broker is down, and publishes it once after', async () => {
    const kafka = createFakeKafka();
    const checkpoints = createInMemoryCheckpointStore();
    const { store, createAndConfirm } = setup();
    await createAndConfirm();
    const relay = createRelay({ eventStore: store.eventStore, checkpoints, kafka });
    kafka.failNext(2);
    expect((await relay.runOnce())._unsafeUnwrapErr().code).toBe('publish-failed');
    expect((await relay.runOnce())._unsafeUnwrapErr().code).toBe('publish-failed');
    expect(await checkpoints.load('oms-relay')).toBe(0);
    expect(relay.lag().events).toBe(2);
    (await relay.runOnce())._unsafeUnwrap();
    expect(kafka.sent).toHaveLength(3);
    expect(await checkpoints.load('oms-relay')).toBe(2);
    expect(relay.lag()).toMatchObject({ events: 0, seconds: 0, position: 2 });
  });

  it('reports an unreachable store without moving', async () => {
    const kafka = createFakeKafka();
    const { store } = setup();
    const down: EventStore = {
      ...store.eventStore,
      readAll: () => errAsync({ code: 'service-unavailable', message: 'connection refused' }),
    };
    const relay = createRelay({
      eventStore: down,
      checkpoints: createInMemoryCheckpointStore(),
      kafka,
    });
    expect((await relay.runOnce())._unsafeUnwrapErr()).toMatchObject({
      code: 'store-unavailable',
    });
  });

  it('resumes from the saved checkpoint after a restart', async () => {
    const kafka = createFakeKafka();
    const checkpoints = createInMemoryCheckpointStore();
    const { store, createAndConfirm } = setup();
    await createAndConfirm();
    (
      await createRelay({ eventStore: store.eventStore, checkpoints, kafka }).runOnce()
    )._unsafeUnwrap();
    await createAndConfirm();
    const restarted = createRelay({ eventStore: store.eventStore, checkpoints, kafka });
    expect((await restarted.runOnce())._unsafeUnwrap()).toMatchObject({ events: 2, position: 4 });
    const ids = kafka.sent.map((message) => message.headers.ce_id);
    expect(new Set(ids).size).toBe(6);
  });

  it('batches by batchSize', async () => {
    const kafka = createFakeKafka();
    const { store, createAndConfirm } = setup();
    for (let index = 0; index < 3; index += 1) await createAndConfirm();
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      kafka,
      options: { batchSize: 4 },
    });
    expect((await relay.runOnce())._unsafeUnwrap().events).toBe(4);
    expect(relay.lag().events).toBe(4);
    expect((await relay.runOnce())._unsafeUnwrap().events).toBe(2);
    expect(kafka.batches).toHaveLength(2);
  });

  it('flushes what is committed on stop', async () => {
    const kafka = createFakeKafka();
    const { store, createAndConfirm } = setup();
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      kafka,
      options: { pollIntervalMs: 60_000 },
    });
    await relay.start();
    await vi.waitFor(() => expect(relay.lag().status).toBe('running'));
    await createAndConfirm();
    await relay.stop();
    expect(kafka.sent).toHaveLength(3);
    expect(relay.lag().status).toBe('stopped');
  });

  it('stops even when a batch hangs on an unreachable broker, leaving it unacknowledged', async () => {
    const { store, createAndConfirm } = setup();
    await createAndConfirm();
    const checkpoints = createInMemoryCheckpointStore();
    let disconnected = false;
    let rejectSend: ((error: Error) => void) | undefined;
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      producer: {
        connect: async () => {},
        disconnect: async () => {
          disconnected = true;
          rejectSend?.(new Error('disconnected'));
        },
        send: async () => [],
        sendBatch: () =>
          new Promise((_, reject) => {
            rejectSend = reject;
          }),
      },
      options: { createTopics: false },
    });
    await relay.start();
    await vi.waitFor(() => expect(rejectSend).toBeDefined());
    await relay.stop({ drainTimeoutMs: 0 });
    expect(relay.lag().status).toBe('stopped');
    expect(await checkpoints.load('oms-relay')).toBe(0);
    // a producer the caller gave is the caller's to disconnect
    expect(disconnected).toBe(false);
  });

  it('lets one relay of a name publish while another waits on the lease', async () => {
    const kafka = createFakeKafka();
    const checkpoints = createInMemoryCheckpointStore();
    const leases = createInMemoryLeases();
    const { store, createAndConfirm } = setup();
    await createAndConfirm();
    const options = { pollIntervalMs: 5, leaseRetryMs: 5 };
    const first = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      kafka,
      lease: leases('oms-relay'),
      options,
    });
    const second = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      kafka,
      lease: leases('oms-relay'),
      options,
    });
    await first.start();
    await vi.waitFor(() => expect(first.lag().publishedEvents).toBe(2));
    await second.start();
    await vi.waitFor(() => expect(second.lag().status).toBe('standby'));
    await first.stop();
    await createAndConfirm();
    await vi.waitFor(() => expect(second.lag().publishedEvents).toBe(2));
    await second.stop();
    expect(kafka.sent).toHaveLength(6);
    expect(new Set(kafka.sent.map((message) => message.headers.ce_id)).size).toBe(6);
  });

  it('stops publishing when its lease is lost and resumes from the checkpoint once it holds it again', async () => {
    const kafka = createFakeKafka();
    const { store, createAndConfirm } = setup();
    await createAndConfirm();
    let lost = new AbortController();
    let available = true;
    let releases = 0;
    const errors: RelayError[] = [];
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      kafka,
      lease: async () => {
        if (!available) return null;
        lost = new AbortController();
        return {
          signal: lost.signal,
          release: async () => {
            releases += 1;
          },
        };
      },
      // retaking a lease it lost, it waits (briefly here) for a batch it might have left in flight
      options: {
        pollIntervalMs: 5,
        leaseRetryMs: 5,
        takeoverDelayMs: 20,
        onError: (error) => errors.push(error),
      },
    });
    await relay.start();
    await vi.waitFor(() => expect(relay.lag().publishedEvents).toBe(2));
    available = false;
    lost.abort(new Error('connection terminated'));
    await vi.waitFor(() => expect(relay.lag().status).toBe('standby'));
    expect(errors.map((error) => error.code)).toContain('lease-failed');
    await createAndConfirm();
    available = true;
    await vi.waitFor(() => expect(relay.lag().publishedEvents).toBe(4));
    await relay.stop();
    expect(releases).toBe(2);
    expect(new Set(kafka.sent.map((message) => message.headers.ce_id)).size).toBe(6);
    expect(kafka.sent).toHaveLength(6);
  });

  it('reports the lag counted by the store when a counter is given', async () => {
    const kafka = createFakeKafka();
    const { store, createAndConfirm } = setup();
    await createAndConfirm();
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      kafka,
      options: {
        countPending: async (after) =>
          store.allEvents().filter((event) => event.globalPosition > after).length,
        pollIntervalMs: 5,
      },
    });
    await relay.start();
    await vi.waitFor(() => expect(relay.lag().position).toBe(2));
    await relay.stop();
    expect(relay.lag()).toMatchObject({ events: 0, seconds: 0 });
  });
});

describe('relay loop while the broker is down', () => {
  it('backs off, counts the lag, and publishes once the broker is back', async () => {
    const kafka = createFakeKafka();
    const { store, createAndConfirm } = setup();
    await createAndConfirm();
    const errors: RelayError[] = [];
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      kafka,
      options: {
        createTopics: false,
        pollIntervalMs: 5,
        backoff: { initialMs: 5, maxMs: 20 },
        countPending: async (after) =>
          store.allEvents().filter((event) => event.globalPosition > after).length,
        onError: (error) => errors.push(error),
      },
    });
    kafka.failNext(1_000_000);
    await relay.start();
    await vi.waitFor(() => expect(relay.lag().failures).toBeGreaterThanOrEqual(3));
    expect(relay.lag()).toMatchObject({ status: 'backing-off', events: 2, position: 0 });
    expect(errors[0]).toMatchObject({ code: 'publish-failed' });
    kafka.failNext(0);
    await vi.waitFor(() => expect(relay.lag().position).toBe(2));
    await relay.stop();
    expect(kafka.sent).toHaveLength(3);
  });
});

describe('measureRelayLag', () => {
  it('counts the events after the checkpoint without a running relay', async () => {
    const { store, createAndConfirm } = setup();
    for (let index = 0; index < 3; index += 1) await createAndConfirm();
    const checkpoints = createInMemoryCheckpointStore({ 'oms-relay': 2 });
    const lag = (
      await measureRelayLag({ eventStore: store.eventStore, checkpoints, pageSize: 3 })
    )._unsafeUnwrap();
    expect(lag).toMatchObject({ events: 4, atLeast: false, position: 2 });
    expect(lag.seconds).toBeGreaterThanOrEqual(0);
    const capped = (
      await measureRelayLag({ eventStore: store.eventStore, checkpoints, maxScan: 3 })
    )._unsafeUnwrap();
    expect(capped).toMatchObject({ events: 3, atLeast: true });
    const caughtUp = (
      await measureRelayLag({
        eventStore: store.eventStore,
        checkpoints: createInMemoryCheckpointStore({ 'oms-relay': 6 }),
      })
    )._unsafeUnwrap();
    expect(caughtUp).toMatchObject({ events: 0, seconds: 0 });
  });
});

describe('backoff and state cache', () => {
  it('grows exponentially with jitter inside [d/2, d] and stops at the cap', () => {
    expect(backoffDelay(0, { random: () => 0 })).toBe(50);
    expect(backoffDelay(0, { random: () => 1 })).toBe(100);
    expect(backoffDelay(3, { random: () => 1 })).toBe(800);
    expect(backoffDelay(30, { random: () => 1, maxMs: 10_000 })).toBe(10_000);
    expect(backoffDelay(30, { random: () => 0, maxMs: 10_000 })).toBe(5_000);
  });

  it('keeps at most its capacity, evicting the least recently used', () => {
    const cache = createStateCache(2);
    const state = { status: 'NONE', version: 0 } as const;
    cache.set('a', 1, state);
    cache.set('b', 1, state);
    cache.get('a');
    cache.set('a', 2, state);
    cache.set('c', 1, state);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.version).toBe(2);
  });
});
