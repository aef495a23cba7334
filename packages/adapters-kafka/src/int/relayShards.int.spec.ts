import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  createPgCheckpointStore,
  createPgOrderStore,
  createTestDatabase,
  type TestDatabase,
} from '@oms/adapters-pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { shardOf } from '../relay/shards.js';
import { startTopicCollector, type TopicCollector } from '../testing/index.js';
import { startTestKafka, type TestKafka } from '../testing/mockCluster.js';
import { commandHandler, concurrently, createAndConfirm, headOf, PUBLISHED } from './harness.js';
import { expectStreamOrderPerKey, waitForOrderMessages } from './streamOrder.js';

const SHARDS = 4;

describe('sharded relays in two processes', () => {
  let kafka: TestKafka;
  let db: TestDatabase;
  let collector: TopicCollector;

  beforeAll(async () => {
    kafka = await startTestKafka();
    db = await createTestDatabase(inject('databaseUrl'), { max: 12 });
    collector = await startTopicCollector({ brokers: kafka.brokers, topics: PUBLISHED });
  });
  afterAll(async () => {
    await collector?.stop();
    await db?.drop();
    await kafka?.stop();
  });

  it('4 shards over two relay processes; one killed with SIGKILL, the other takes its shards over: nothing missing, order kept per order', async () => {
    const store = createPgOrderStore({ pool: db.pool });
    const handle = commandHandler(store.eventStore);
    const checkpoints = createPgCheckpointStore(db.pool);
    const script = fileURLToPath(new URL('./fixtures/shardedRelayProcess.ts', import.meta.url));
    const spawnRelay = () => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          script,
          db.url,
          kafka.brokers.join(','),
          String(SHARDS),
          '50',
          String(kafka.mock),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const state = { published: 0, statuses: [] as string[] };
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const [word, ...rest] = line.split(' ');
          if (word === 'published') state.published += 1;
          if (word === 'status') state.statuses = rest;
        }
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      return { child, state, exited };
    };
    const holding = (statuses: readonly string[]) =>
      statuses.filter((status) => status === 'running' || status === 'backing-off').length;

    const first = spawnRelay();
    const second = spawnRelay();
    try {
      const orderIds = await concurrently(400, 4, () => createAndConfirm(handle));
      const head = await headOf(store.eventStore);
      // every shard is held by exactly one of the two processes
      await vi.waitFor(
        () => expect(holding(first.state.statuses) + holding(second.state.statuses)).toBe(SHARDS),
        { timeout: 60_000, interval: 20 },
      );
      const [victim, survivor] =
        holding(first.state.statuses) > 0 ? [first, second] : [second, first];
      await vi.waitFor(() => expect(victim.state.published).toBeGreaterThanOrEqual(2), {
        timeout: 60_000,
        interval: 5,
      });
      victim.child.kill('SIGKILL');
      await victim.exited;
      const names = Array.from(
        { length: SHARDS },
        (_, index) => `sharded/shard-${index}-of-${SHARDS}`,
      );
      // the survivor takes the victim's shards over once their leases lapse; the checkpoints can reach the head
      // before that (the victim may have published everything before it was killed), so each is waited for
      await vi.waitFor(() => expect(holding(survivor.state.statuses)).toBe(SHARDS), {
        timeout: 60_000,
        interval: 50,
      });
      await vi.waitFor(
        async () => {
          for (const name of names) expect(await checkpoints.load(name)).toBe(head);
        },
        { timeout: 60_000, interval: 50 },
      );

      const mine = await waitForOrderMessages(collector, orderIds, 1_200);
      expect(new Set(mine.map((message) => message.headers.ce_id)).size).toBe(1_200);
      expectStreamOrderPerKey(mine, true);
      // an order's Kafka partition is the same in every message (the shard never decides it)
      const partitions = new Map<string, Set<string>>();
      for (const message of mine) {
        const key = `${message.topic}/${message.key}`;
        const set = partitions.get(key) ?? new Set<string>();
        set.add(String(message.partition));
        partitions.set(key, set);
      }
      for (const set of partitions.values()) expect(set.size).toBe(1);
      // the orders are spread over the shards
      const perShard = new Set(orderIds.map((id) => shardOf(id, SHARDS)));
      expect(perShard.size).toBe(SHARDS);
    } finally {
      for (const relay of [first, second]) {
        relay.child.kill('SIGTERM');
        await relay.exited;
      }
    }
  });
});
