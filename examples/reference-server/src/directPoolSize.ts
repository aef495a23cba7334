import type { Config } from './config.js';

/**
 * Connections of the direct pool (`DATABASE_DIRECT_URL`): migrations, partition upkeep and every relay shard's lease,
 * which holds its session for as long as it holds the lease. A process taking every shard over (its peer died)
 * holds `OMS_RELAY_SHARDS` of them at once, so the pool has room for all of them and two for the rest.
 */
export const directPoolSize = (config: Pick<Config, 'OMS_RELAY_SHARDS'>): number =>
  Math.max(3, config.OMS_RELAY_SHARDS + 2);
