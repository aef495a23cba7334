import type { EventStore } from '@oms/domain';
import type { CheckpointStore, Lease, LeaseProvider } from './checkpoint.port.js';
import { createRelay } from './createRelay.js';
import type { ParkingStore } from './parking.port.js';
import type { RecordPublisher } from './publisher.port.js';
import type { RelayOptions } from './relay.types.js';
import { shardName } from './shards.js';

export interface ReshardDeps {
  readonly eventStore: EventStore;
  readonly checkpoints: CheckpointStore;
  /** The lease of a shard by name: every old shard's is held during the re-shard (no relay may be running). */
  readonly lease: (name: string) => LeaseProvider;
  readonly publisher: RecordPublisher;
  /** Parked events of the old shards must be settled first: the new shards would not hold their orders back. */
  readonly parking?: ParkingStore;
  readonly from: number;
  readonly to: number;
  readonly options?: RelayOptions;
}

export interface ReshardOutcome {
  /** The position every old shard was drained to, where every new shard starts. */
  readonly position: number;
  /** Events the old shards published to reach it. */
  readonly published: number;
}

/**
 * The operator's re-shard (`oms relay reshard <from> <to>`), run while no relay runs: takes the lease of every old
 * shard (refused when one is held: stop the relays first), publishes each old shard's events up to the highest
 * old checkpoint, so that every old shard stands at the same position, and starts every new shard there. Per-order
 * order holds across the change: no event is published twice, and an order's events after that position are all
 * the new shard's. Kafka partitions do not change (they hash the order id, not the shard).
 */
export const reshardRelay = async (deps: ReshardDeps): Promise<ReshardOutcome> => {
  const { eventStore, checkpoints, from, to, options = {} } = deps;
  const base = options.name ?? 'oms-relay';
  const oldNames = Array.from({ length: from }, (_, index) =>
    shardName(base, { index, count: from }),
  );
  const held: Lease[] = [];
  try {
    for (const name of oldNames) {
      const lease = await deps.lease(name)();
      if (!lease)
        throw new Error(
          `relay shard ${name} is held by a running relay: stop every relay, then re-shard`,
        );
      held.push(lease);
    }
    for (const name of oldNames) {
      const open = (await deps.parking?.open(name)) ?? [];
      if (open.length > 0)
        throw new Error(
          `relay shard ${name} has ${open.length} parked event(s): retry or skip them (oms relay parked), then re-shard`,
        );
    }
    const positions = await Promise.all(oldNames.map((name) => checkpoints.load(name)));
    const position = Math.max(0, ...positions);
    let published = 0;
    for (const [index, name] of oldNames.entries()) {
      const fence = await checkpoints.fence(name);
      const relay = createRelay({
        eventStore,
        checkpoints,
        publisher: deps.publisher,
        options: {
          ...options,
          name: base,
          ...(from > 1 ? { shard: { index, count: from } } : {}),
          stopAt: position,
        },
      });
      for (;;) {
        const run = await relay.runOnce();
        if (run.isErr())
          throw new Error(`draining ${name}: ${run.error.code}: ${run.error.message}`);
        published += run.value.events;
        if (run.value.events + (run.value.skipped ?? 0) === 0) break;
      }
      await checkpoints.release(name, fence.epoch);
      const reached = await checkpoints.load(name);
      if (reached < position)
        // nothing of this shard after its checkpoint: it stands at the common position all the same
        await checkpoints.save(name, position);
    }
    for (let index = 0; index < to; index += 1)
      await checkpoints.save(shardName(base, { index, count: to }), position);
    return { position, published };
  } finally {
    for (const lease of held) await lease.release().catch(() => undefined);
  }
};
