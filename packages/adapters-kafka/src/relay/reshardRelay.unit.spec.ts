import {
  createOrderCommandHandler,
  ORDER_INPUT_SCHEMAS,
  parseInput,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { describe, expect, it } from 'vitest';
import { createFakeKafka } from '../testing/fakeKafka.js';
import { createInMemoryCheckpointStore, createInMemoryLeases } from './checkpoint.port.js';
import { createShardedRelay } from './createShardedRelay.js';
import { createKafkajsPublisher } from './kafkajsPublisher.js';
import { STREAM_VERSION_HEADER } from './kafkaMessages.js';
import { createInMemoryParkingStore } from './parking.port.js';
import { reshardRelay } from './reshardRelay.js';

const setup = () => {
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
  const create = async () =>
    (await handle({ type: 'CreateOrder', input }, { actor: 'test' }))._unsafeUnwrap().view.id;
  const confirm = async (orderId: string) =>
    (await handle({ type: 'ConfirmOrder', orderId }, { actor: 'test' }))._unsafeUnwrap();
  const kafka = createFakeKafka();
  const checkpoints = createInMemoryCheckpointStore();
  const leases = createInMemoryLeases();
  const publisher = createKafkajsPublisher({
    producer: kafka.producer(),
    compression: 0,
    timeoutMs: 1_000,
  });
  const drain = async (relay: ReturnType<typeof createShardedRelay>) => {
    for (;;) {
      const run = (await relay.runOnce())._unsafeUnwrap();
      if (run.events + (run.skipped ?? 0) === 0) return;
    }
  };
  /**
   * Every order's published stream versions (order.created / order.confirmed), sorted: they are on two topics, so
   * their relative order is not Kafka's to keep; each topic's partition order is checked by the int tests.
   */
  const versions = () => {
    const byOrder = new Map<string, number[]>();
    for (const message of kafka.sent.filter((sent) => sent.topic !== 'oms.orders.status-changed')) {
      const list = byOrder.get(message.key ?? '') ?? [];
      list.push(Number(message.headers[STREAM_VERSION_HEADER]));
      byOrder.set(message.key ?? '', list.sort());
    }
    return byOrder;
  };
  return { store, create, confirm, kafka, checkpoints, leases, publisher, drain, versions };
};

describe('re-sharding the relay (drain, then re-shard)', () => {
  it('2 → 4 shards: the old shards are drained to one position, the new ones start there; every event once, in order', async () => {
    const t = setup();
    const deps = { eventStore: t.store.eventStore, checkpoints: t.checkpoints, kafka: t.kafka };
    const ids = [await t.create(), await t.create(), await t.create(), await t.create()];
    const two = createShardedRelay({ ...deps, shards: 2 });
    // shard 0 publishes, shard 1 lags behind when the relays are stopped (its checkpoint is older)
    (await two.shards[0]!.runOnce())._unsafeUnwrap();
    for (const id of ids) await t.confirm(id);
    ids.push(await t.create());

    // starting 4 shards over an existing history without re-sharding is refused
    await expect(createShardedRelay({ ...deps, shards: 4 }).start()).rejects.toThrow(
      /reshard 2 4|reshard <current shards> 4/,
    );

    const outcome = await reshardRelay({
      ...deps,
      lease: t.leases,
      publisher: t.publisher,
      from: 2,
      to: 4,
    });
    expect(outcome.position).toBe(4);
    for (const index of [0, 1])
      expect(t.checkpoints.positions.get(`oms-relay/shard-${index}-of-2`)).toBe(4);
    for (const index of [0, 1, 2, 3])
      expect(t.checkpoints.positions.get(`oms-relay/shard-${index}-of-4`)).toBe(4);

    const later = await t.create();
    for (const id of ids) await t.confirm(id).catch(() => undefined);
    const four = createShardedRelay({ ...deps, shards: 4 });
    await t.drain(four);
    const published = t.versions();
    for (const id of [...ids.slice(0, 4)]) expect(published.get(id)).toEqual([1, 2]);
    expect(published.get(ids[4]!)).toEqual([1, 2]);
    expect(published.get(later)).toEqual([1]);
  });

  it('is refused while a relay of the old layout holds a shard, or while one has parked events', async () => {
    const t = setup();
    await t.create();
    const held = await t.leases('oms-relay/shard-1-of-2')();
    expect(held).not.toBeNull();
    await expect(
      reshardRelay({
        eventStore: t.store.eventStore,
        checkpoints: t.checkpoints,
        lease: t.leases,
        publisher: t.publisher,
        from: 2,
        to: 4,
      }),
    ).rejects.toThrow(/held by a running relay/);
    expect(t.kafka.sent).toHaveLength(0);
    await held?.release();
    const parking = createInMemoryParkingStore();
    await parking.park('oms-relay/shard-0-of-2', {
      globalPosition: 1,
      streamId: 'x',
      streamVersion: 1,
      eventId: 'e',
      eventType: 'order.created',
      reason: 'too large',
    });
    await expect(
      reshardRelay({
        eventStore: t.store.eventStore,
        checkpoints: t.checkpoints,
        lease: t.leases,
        publisher: t.publisher,
        parking,
        from: 2,
        to: 4,
      }),
    ).rejects.toThrow(/1 parked event/);
    // the shards it took were given back
    expect(await t.leases('oms-relay/shard-0-of-2')()).not.toBeNull();
  });
});
