/** Which of the relay's shards publishes an order's events: shard `index` of `count`. */
export interface RelayShard {
  readonly index: number;
  readonly count: number;
}

/**
 * The shard of an order: FNV-1a (32 bits) of the order id's UTF-8 bytes, modulo the shard count. Stable across
 * processes, versions and languages (the operator's re-shard procedure relies on it); it only decides which relay
 * publishes an order, never the Kafka partition (that stays the producer's hash of the key).
 */
export const shardOf = (orderId: string, count: number): number => {
  if (count <= 1) return 0;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(orderId, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
};

/** The checkpoint and lease name of one shard (the unsharded relay keeps the plain name and its checkpoint). */
export const shardName = (name: string, shard: RelayShard | undefined): string =>
  !shard || shard.count <= 1 ? name : `${name}/shard-${shard.index}-of-${shard.count}`;

/** Refuses a shard that is not one of `count` (a typo in the configuration must not publish nothing quietly). */
export const checkShard = (shard: RelayShard): void => {
  if (!Number.isInteger(shard.count) || shard.count < 1 || shard.count > 1024)
    throw new Error(`relay shards: count ${shard.count} is not an integer from 1 to 1024`);
  if (!Number.isInteger(shard.index) || shard.index < 0 || shard.index >= shard.count)
    throw new Error(`relay shards: index ${shard.index} is not one of 0..${shard.count - 1}`);
};
