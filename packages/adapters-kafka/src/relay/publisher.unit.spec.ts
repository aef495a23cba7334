import {
  createOrderCommandHandler,
  ORDER_INPUT_SCHEMAS,
  parseInput,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { ProducerLike } from '../kafkaPorts.js';
import { createInMemoryCheckpointStore } from './checkpoint.port.js';
import { createRelay } from './createRelay.js';
import {
  createKafkajsPublisher,
  DEFAULT_COMPRESS_MIN_BYTES,
  requestCompression,
} from './kafkajsPublisher.js';
import type { OutboundRecord, PartitionResult, RecordPublisher } from './publisher.port.js';

const orders = async (count: number) => {
  const store = createInMemoryOrderStore();
  const handle = createOrderCommandHandler({
    eventStore: store.eventStore,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  const input = parseInput(
    ORDER_INPUT_SCHEMAS.CreateOrder,
    orderFixtures.seedCreateOrderBody(),
  )._unsafeUnwrap();
  for (let index = 0; index < count; index += 1) {
    const orderId = (
      await handle({ type: 'CreateOrder', input }, { actor: 'test' })
    )._unsafeUnwrap().view.id;
    (await handle({ type: 'ConfirmOrder', orderId }, { actor: 'test' }))._unsafeUnwrap();
  }
  return store;
};

/** A client that is not kafkajs: partitions by key, and can refuse one partition of the next request. */
const createTestPublisher = () => {
  const acknowledged: OutboundRecord[] = [];
  const requests: (readonly OutboundRecord[])[] = [];
  let refuse: { topic: string; partition: number } | undefined;
  const partitionOf = (key: string) =>
    [...key].reduce((sum, char) => sum + char.charCodeAt(0), 0) % 4;
  const publisher: RecordPublisher = {
    connect: async () => {},
    disconnect: async () => {},
    async publish(records) {
      requests.push(records);
      const results = new Map<string, PartitionResult>();
      for (const record of records) {
        const partition = partitionOf(record.key);
        const refused = refuse?.topic === record.topic && refuse.partition === partition;
        results.set(
          `${record.topic}/${partition}`,
          refused
            ? {
                topic: record.topic,
                partition,
                ok: false,
                error: new Error('NOT_LEADER_FOR_PARTITION'),
              }
            : { topic: record.topic, partition, ok: true },
        );
        if (!refused) acknowledged.push(record);
      }
      refuse = undefined;
      return [...results.values()];
    },
  };
  return {
    publisher,
    acknowledged,
    requests,
    refuseNext: (topic: string, partition: number) => {
      refuse = { topic, partition };
    },
    partitionOf,
  };
};

describe('the relay behind its client-neutral publisher port', () => {
  it('publishes through any client and moves the checkpoint once every partition is acknowledged', async () => {
    const store = await orders(3);
    const client = createTestPublisher();
    const checkpoints = createInMemoryCheckpointStore();
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      publisher: client.publisher,
    });
    expect((await relay.runOnce())._unsafeUnwrap()).toMatchObject({ events: 6, messages: 9 });
    expect(client.acknowledged.map((record) => record.topic)).toHaveLength(9);
    expect(await checkpoints.load('oms-relay')).toBe(6);
  });

  it('publishes a request again when one partition of it is refused, and keeps the checkpoint until then', async () => {
    const store = await orders(4);
    const client = createTestPublisher();
    const checkpoints = createInMemoryCheckpointStore();
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints,
      publisher: client.publisher,
    });
    const [first] = (await store.eventStore.readAll(0, 1))._unsafeUnwrap();
    client.refuseNext('oms.orders.created', client.partitionOf(first?.streamId ?? ''));
    const failed = await relay.runOnce();
    expect(failed._unsafeUnwrapErr()).toMatchObject({ code: 'publish-failed' });
    expect(failed._unsafeUnwrapErr().message).toContain('NOT_LEADER_FOR_PARTITION');
    expect(await checkpoints.load('oms-relay')).toBe(0);
    expect((await relay.runOnce())._unsafeUnwrap()).toMatchObject({ events: 8, position: 8 });
    // the refused partition's records arrive after the retry, in stream order per key (duplicates of the others)
    const created = client.acknowledged.filter((record) => record.topic === 'oms.orders.created');
    expect(new Set(created.map((record) => record.key)).size).toBe(4);
    expect(client.requests).toHaveLength(2);
  });
});

describe('the kafkajs adapter of the publisher port', () => {
  const producer = (sendBatch: ProducerLike['sendBatch']): ProducerLike => ({
    connect: async () => {},
    disconnect: async () => {},
    send: async () => [],
    sendBatch,
  });
  const records: OutboundRecord[] = [
    { topic: 'a', key: 'k1', value: '1', headers: { h: 'x' } },
    { topic: 'b', key: 'k1', value: '2', headers: {} },
    { topic: 'a', key: 'k2', value: '3', headers: {} },
  ];

  it('sends one batch grouped by topic in order, and answers per partition', async () => {
    const batches: unknown[] = [];
    const publisher = createKafkajsPublisher({
      producer: producer(async (batch) => {
        batches.push(batch);
        return [
          { topicName: 'a', partition: 0, errorCode: 0, baseOffset: '7' },
          { topicName: 'b', partition: 3, errorCode: 0 },
        ];
      }),
      compression: 1,
      compressMinBytes: 0,
      timeoutMs: 1_000,
    });
    expect(await publisher.publish(records)).toEqual([
      { topic: 'a', partition: 0, ok: true, baseOffset: '7' },
      { topic: 'b', partition: 3, ok: true },
    ]);
    expect(batches).toEqual([
      {
        acks: -1,
        compression: 1,
        timeout: 1_000,
        topicMessages: [
          {
            topic: 'a',
            messages: [
              { key: 'k1', value: '1', headers: { h: 'x' } },
              { key: 'k2', value: '3', headers: {} },
            ],
          },
          { topic: 'b', messages: [{ key: 'k1', value: '2', headers: {} }] },
        ],
      },
    ]);
  });

  /** A gzip publisher whose requests' compression is recorded. */
  const compressing = (compressMinBytes?: number) => {
    const compressions: unknown[] = [];
    const publisher = createKafkajsPublisher({
      producer: producer(async (batch) => {
        compressions.push(batch.compression);
        return [];
      }),
      compression: CompressionTypes.GZIP,
      ...(compressMinBytes === undefined ? {} : { compressMinBytes }),
      timeoutMs: 1_000,
    });
    return { publisher, compressions };
  };

  it('sends a request below compressMinBytes (keys + values) uncompressed and one from there on compressed', async () => {
    const { publisher, compressions } = compressing(100);
    const sized = (valueLength: number): OutboundRecord => ({
      topic: 'a',
      key: 'k1',
      value: 'v'.repeat(valueLength),
      headers: { ce_id: 'x'.repeat(500) },
    });
    await publisher.publish([sized(40), sized(55)]); // 99 bytes: headers do not count
    await publisher.publish([sized(40), sized(56)]); // 100 bytes
    await publisher.publish([sized(5_000)]);
    expect(compressions).toEqual([
      CompressionTypes.None,
      CompressionTypes.GZIP,
      CompressionTypes.GZIP,
    ]);
  });

  it('compresses by default only requests of 16 KiB and more (a backlog), not the few messages of a relay that keeps up', async () => {
    const { publisher, compressions } = compressing();
    const record = (value: string): OutboundRecord => ({
      topic: 'a',
      key: 'k',
      value,
      headers: {},
    });
    await publisher.publish([record('v'.repeat(DEFAULT_COMPRESS_MIN_BYTES - 2))]);
    await publisher.publish([record('v'.repeat(DEFAULT_COMPRESS_MIN_BYTES - 1))]);
    expect(DEFAULT_COMPRESS_MIN_BYTES).toBe(16_384);
    expect(compressions).toEqual([CompressionTypes.None, CompressionTypes.GZIP]);
    expect(requestCompression(0, CompressionTypes.GZIP, 0)).toBe(CompressionTypes.GZIP);
  });

  it('reports every topic of the request failed when kafkajs throws (it does not say which partition failed)', async () => {
    const error = new Error('KafkaJSNumberOfRetriesExceeded');
    const publisher = createKafkajsPublisher({
      producer: producer(async () => {
        throw error;
      }),
      compression: 0,
      timeoutMs: 1_000,
    });
    expect(await publisher.publish(records)).toEqual([
      { topic: 'a', partition: -1, ok: false, error },
      { topic: 'b', partition: -1, ok: false, error },
    ]);
  });
});
