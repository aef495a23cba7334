import {
  createOrderCommandHandler,
  ORDER_INPUT_SCHEMAS,
  parseInput,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFakeKafka } from '../testing/fakeKafka.js';
import { createInMemoryCheckpointStore, createInMemoryLeases } from './checkpoint.port.js';
import { createShardedRelay } from './createShardedRelay.js';
import { STREAM_VERSION_HEADER } from './kafkaMessages.js';
import { checkShard, shardName, shardOf } from './shards.js';

const ordersIn = async (count: number) => {
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
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1)
    ids.push(
      (await handle({ type: 'CreateOrder', input }, { actor: 'test' }))._unsafeUnwrap().view.id,
    );
  for (const orderId of ids)
    (await handle({ type: 'ConfirmOrder', orderId }, { actor: 'test' }))._unsafeUnwrap();
  return { store, ids };
};

const drain = async (relay: { runOnce: ReturnType<typeof createShardedRelay>['runOnce'] }) => {
  for (;;) {
    const run = (await relay.runOnce())._unsafeUnwrap();
    if (run.events + (run.skipped ?? 0) === 0) return;
  }
};

describe('shardOf', () => {
  it('is FNV-1a of the UTF-8 bytes modulo the count: fixed values, whatever process or version computes it', () => {
    expect(shardOf('', 1_000_000)).toBe(0x811c9dc5 % 1_000_000);
    expect(shardOf('a', 2 ** 31)).toBe(0xe40c292c % 2 ** 31);
    expect(shardOf('0190f3b2-7c1a-7d3e-9f00-123456789abc', 4)).toBe(
      shardOf('0190f3b2-7c1a-7d3e-9f00-123456789abc', 4),
    );
    expect(shardOf('anything', 1)).toBe(0);
  });

  it('puts every id in exactly one shard of 0..count-1, and spreads order ids evenly', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (id, count) => {
        const shard = shardOf(id, count);
        return Number.isInteger(shard) && shard >= 0 && shard < count;
      }),
    );
    const counts = [0, 0, 0, 0];
    for (let index = 0; index < 4_000; index += 1) {
      const shard = shardOf(uuidV7Generator.next(), 4);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('names a shard after its layout and refuses a shard outside it', () => {
    expect(shardName('oms-relay', { index: 2, count: 4 })).toBe('oms-relay/shard-2-of-4');
    expect(shardName('oms-relay', { index: 0, count: 1 })).toBe('oms-relay');
    expect(() => checkShard({ index: 4, count: 4 })).toThrow(/index 4/);
    expect(() => checkShard({ index: 0, count: 0 })).toThrow(/count 0/);
  });
});

describe('sharded relay', () => {
  it('4 shards publish every event once, in stream order per order, keyed by order id, each with its checkpoint', async () => {
    const { store, ids } = await ordersIn(40);
    const kafka = createFakeKafka();
    const checkpoints = createInMemoryCheckpointStore();
    const relay = createShardedRelay({
      eventStore: store.eventStore,
      checkpoints,
      kafka,
      shards: 4,
      options: { batchSize: 7 },
    });
    await drain(relay);
    const created = kafka.sent.filter((message) => message.topic === 'oms.orders.created');
    expect(created.map((message) => message.key).sort()).toEqual([...ids].sort());
    const versions = new Map<string, number[]>();
    for (const message of kafka.sent.filter((sent) => sent.topic !== 'oms.orders.status-changed')) {
      const list = versions.get(message.key ?? '') ?? [];
      list.push(Number(message.headers[STREAM_VERSION_HEADER]));
      versions.set(message.key ?? '', list);
    }
    // created and confirmed are on two topics: each once per order (partition order is the int tests' to check)
    for (const id of ids) expect(versions.get(id)?.sort()).toEqual([1, 2]);
    expect(kafka.sent).toHaveLength(120);
    for (let index = 0; index < 4; index += 1)
      expect(checkpoints.positions.get(`oms-relay/shard-${index}-of-4`)).toBe(80);
    expect(checkpoints.positions.has('oms-relay')).toBe(false);
    expect(relay.lag()).toMatchObject({
      position: 80,
      publishedEvents: 80,
      publishedMessages: 120,
    });
  });

  it('each shard is published by the relay that holds its lease; the other stands by and takes it over', async () => {
    const { store } = await ordersIn(8);
    const checkpoints = createInMemoryCheckpointStore();
    const leases = createInMemoryLeases();
    const kafka = createFakeKafka();
    const deps = { eventStore: store.eventStore, checkpoints, kafka, shards: 2, lease: leases };
    const options = { pollIntervalMs: 5, leaseRetryMs: 10, takeoverDelayMs: 0 };
    const first = createShardedRelay({ ...deps, options });
    const second = createShardedRelay({ ...deps, options });
    await first.start();
    await second.start();
    const until = async (done: () => boolean) => {
      for (let waited = 0; !done() && waited < 5_000; waited += 10)
        await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await until(() => kafka.sent.length === 24);
    expect(second.lag().status).toBe('standby');
    await first.stop({ drainTimeoutMs: 0 });
    const handle = createOrderCommandHandler({
      eventStore: store.eventStore,
      clock: systemClock,
      ids: uuidV7Generator,
    });
    const input = parseInput(
      ORDER_INPUT_SCHEMAS.CreateOrder,
      orderFixtures.seedCreateOrderBody(),
    )._unsafeUnwrap();
    for (let index = 0; index < 6; index += 1)
      (await handle({ type: 'CreateOrder', input }, { actor: 'test' }))._unsafeUnwrap();
    await until(() => kafka.sent.length === 30);
    expect(kafka.sent).toHaveLength(30);
    expect(second.shards.map((shard) => shard.lag().status)).toEqual(['running', 'running']);
    await second.stop({ drainTimeoutMs: 0 });
  });
});
