import { describe, expect, it } from 'vitest';
import { directPoolSize } from './directPoolSize.js';

describe('directPoolSize', () => {
  it('keeps three connections without shards', () => {
    expect(directPoolSize({ OMS_RELAY_SHARDS: 1 })).toBe(3);
  });

  it('holds every shard lease at once, with room left for migrations and upkeep', () => {
    // the soak --scale: 2 relays over 4 shards, one killed: the survivor held 3 and shard 2 waited for a connection
    expect(directPoolSize({ OMS_RELAY_SHARDS: 4 })).toBe(6);
    expect(directPoolSize({ OMS_RELAY_SHARDS: 64 })).toBe(66);
  });
});
