import { err, ok, ResultAsync } from 'neverthrow';
import type { LeaseProvider } from './checkpoint.port.js';
import { createRelay } from './createRelay.js';
import type { Relay, RelayDeps, RelayLag, RelayStatus, RunOnceResult } from './relay.types.js';
import { shardName } from './shards.js';

export interface ShardedRelayDeps extends Omit<RelayDeps, 'lease'> {
  /** Shards (default 1: one relay under the plain name, as without shards). */
  readonly shards?: number;
  /** The lease of one shard, by its checkpoint name (PostgreSQL: `(name) => () => acquireLease(pool, name)`). */
  readonly lease?: (name: string) => LeaseProvider;
}

export interface ShardedRelay extends Relay {
  /** Each shard's relay, by index. */
  readonly shards: readonly Relay[];
}

const STATUS_RANK: readonly RelayStatus[] = [
  'failed',
  'backing-off',
  'running',
  'standby',
  'stopped',
];

/** The shards' lags as one: events summed, the oldest age, the lowest position, the worst status held. */
const combineLags = (lags: readonly RelayLag[]): RelayLag => {
  const held = lags.filter((lag) => lag.status !== 'standby' && lag.status !== 'stopped');
  const status =
    STATUS_RANK.find((rank) =>
      (held.length > 0 ? held : lags).some((lag) => lag.status === rank),
    ) ?? 'stopped';
  const error = lags.find((lag) => lag.error !== undefined)?.error;
  const sum = (pick: (lag: RelayLag) => number) =>
    lags.reduce((total, lag) => total + pick(lag), 0);
  return {
    events: sum((lag) => lag.events),
    seconds: Math.max(0, ...lags.map((lag) => lag.seconds)),
    position: Math.min(...lags.map((lag) => lag.position)),
    status,
    publishedEvents: sum((lag) => lag.publishedEvents),
    publishedMessages: sum((lag) => lag.publishedMessages),
    failures: Math.max(0, ...lags.map((lag) => lag.failures)),
    failuresTotal: sum((lag) => lag.failuresTotal),
    parked: sum((lag) => lag.parked),
    ...(error === undefined ? {} : { error }),
  };
};

/**
 * `shards` relays in one process, one per shard of the orders (`shardOf`), each with its own lease, checkpoint and
 * producer, publishing in parallel. A shard whose lease another process holds stands by and takes the shard over
 * when that process dies. Per-order order holds because an order belongs to one shard; its Kafka partition is the
 * producer's hash of its id, whatever the shard.
 */
export const createShardedRelay = (deps: ShardedRelayDeps): ShardedRelay => {
  const { shards: count = 1, lease, options = {}, ...rest } = deps;
  const base = options.name ?? 'oms-relay';
  const shards = Array.from({ length: count }, (_, index) => {
    const shard = { index, count };
    const name = shardName(base, shard);
    return createRelay({
      ...rest,
      ...(lease ? { lease: lease(name) } : {}),
      options: { ...options, name: base, ...(count > 1 ? { shard } : {}) },
    });
  });
  /**
   * A layout starts only when no other layout of the relay has published past it (`reshardRelay` drains the old
   * layout and seeds the new one there): otherwise its shards would publish that history again, and two layouts
   * would publish one order at once. A fresh database starts anywhere.
   */
  const checkLayout = async () => {
    const family = await rest.checkpoints.family?.(base);
    if (!family) return;
    const own = new Set(shards.map((_, index) => shardName(base, { index, count })));
    const reached = Math.max(
      0,
      ...[...family].filter(([name]) => own.has(name)).map(([, position]) => position),
    );
    const other = [...family].find(([name, position]) => !own.has(name) && position > reached);
    if (!other) return;
    throw new Error(
      `relay shards: ${other[0]} (another layout) has published past this ${count}-shard layout's checkpoints: stop every relay and run \`oms relay reshard <current shards> ${count}\` first (README, "Re-sharding")`,
    );
  };
  return {
    shards,
    async start() {
      await checkLayout();
      await Promise.all(shards.map((relay) => relay.start()));
    },
    async stop(stopOptions) {
      await Promise.all(shards.map((relay) => relay.stop(stopOptions)));
    },
    runOnce: () =>
      new ResultAsync(
        Promise.all(shards.map((relay) => relay.runOnce())).then((results) => {
          const failed = results.find((result) => result.isErr());
          if (failed?.isErr()) return err(failed.error);
          const done = results.flatMap((result) => (result.isOk() ? [result.value] : []));
          const total = (pick: (run: RunOnceResult) => number) =>
            done.reduce((sum, run) => sum + pick(run), 0);
          const skipped = total((run) => run.skipped ?? 0);
          return ok({
            events: total((run) => run.events),
            messages: total((run) => run.messages),
            position: Math.min(...done.map((run) => run.position)),
            ...(skipped > 0 ? { skipped } : {}),
          });
        }),
      ),
    wake() {
      for (const relay of shards) relay.wake();
    },
    lag: () => combineLags(shards.map((relay) => relay.lag())),
  };
};
