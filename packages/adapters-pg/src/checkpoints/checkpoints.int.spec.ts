import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../pool.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { acquireLease } from './acquireLease.js';
import { createPgCheckpointStore } from './checkpointStore.js';
import { createPgParkedEventStore } from './parkedEventStore.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
});
afterAll(async () => {
  await db?.drop();
});

describe('checkpoints and leases', () => {
  it('loads 0 for an unknown reader and the last saved position afterwards', async () => {
    const checkpoints = createPgCheckpointStore(db.pool);
    expect(await checkpoints.load('relay')).toBe(0);
    await checkpoints.save('relay', 123_456_789_012);
    await checkpoints.save('relay', 123_456_789_999);
    expect(await checkpoints.load('relay')).toBe(123_456_789_999);
    expect(await checkpoints.load('other')).toBe(0);
  });

  it("lists a relay's checkpoints of every shard layout, and no other relay's", async () => {
    const checkpoints = createPgCheckpointStore(db.pool);
    await checkpoints.save('fam', 10);
    await checkpoints.save('fam/shard-0-of-2', 20);
    await checkpoints.save('fam/shard-3-of-4', 30);
    await checkpoints.save('family', 40);
    await checkpoints.save('fa%/shard-0-of-2', 50);
    expect(await checkpoints.family('fam')).toEqual(
      new Map([
        ['fam', 10],
        ['fam/shard-0-of-2', 20],
        ['fam/shard-3-of-4', 30],
      ]),
    );
    expect(await checkpoints.family('fa%')).toEqual(new Map([['fa%/shard-0-of-2', 50]]));
  });

  it('moves a checkpoint only forward: an older position is refused in SQL', async () => {
    const checkpoints = createPgCheckpointStore(db.pool);
    await checkpoints.save('forward', 500);
    await expect(checkpoints.save('forward', 400)).rejects.toMatchObject({
      code: 'checkpoint-behind',
    });
    await checkpoints.save('forward', 500);
    expect(await checkpoints.load('forward')).toBe(500);
  });

  it('fences a relay that lost its lease: its saves are refused once another relay took over', async () => {
    const checkpoints = createPgCheckpointStore(db.pool);
    const stale = await checkpoints.fence('fenced');
    expect(stale).toEqual({ epoch: 1, position: 0, clean: true });
    await checkpoints.save('fenced', 100, stale.epoch);
    // the first holder never released its epoch: the next one knows a batch of it may still land
    const current = await checkpoints.fence('fenced');
    expect(current).toEqual({ epoch: 2, position: 100, clean: false });
    await checkpoints.save('fenced', 300, current.epoch);
    // the old relay's batch lands late: neither an older nor a newer checkpoint of its epoch is saved
    await expect(checkpoints.save('fenced', 200, stale.epoch)).rejects.toMatchObject({
      code: 'checkpoint-fenced',
    });
    await expect(checkpoints.save('fenced', 400, stale.epoch)).rejects.toMatchObject({
      code: 'checkpoint-fenced',
    });
    await expect(checkpoints.check('fenced', stale.epoch)).rejects.toMatchObject({
      code: 'checkpoint-fenced',
    });
    expect(await checkpoints.check('fenced', current.epoch)).toBe(300);
    await expect(checkpoints.save('fenced', 250, current.epoch)).rejects.toMatchObject({
      code: 'checkpoint-behind',
    });
    expect(await checkpoints.load('fenced')).toBe(300);
    await checkpoints.release('fenced', stale.epoch);
    await checkpoints.release('fenced', current.epoch);
    expect(await checkpoints.fence('fenced')).toEqual({ epoch: 3, position: 300, clean: true });
  });

  it('keeps parked outbound events until an operator retries or skips them', async () => {
    const parked = createPgParkedEventStore(db.pool);
    const event = {
      globalPosition: 7_000,
      streamId: 'order-1',
      streamVersion: 2,
      eventId: '01970000-0000-7000-8000-000000000001',
      eventType: 'order.confirmed',
      reason: 'message of 2000000 bytes exceeds 1048588',
    };
    const first = await parked.park('relay-p', event);
    expect(first).toMatchObject({ ...event, status: 'parked', relay: 'relay-p' });
    expect(await parked.park('relay-p', { ...event, reason: 'again' })).toMatchObject({
      id: first.id,
      reason: 'again',
    });
    expect((await parked.open('relay-p')).map((p) => p.id)).toEqual([first.id]);
    expect(await parked.open('other-relay')).toEqual([]);
    expect(await parked.request('999999', 'retry')).toBeUndefined();
    expect(await parked.request('not-a-number', 'retry')).toBeUndefined();
    expect(await parked.request(first.id, 'skip')).toMatchObject({ status: 'skip-requested' });
    await parked.settle(first.id, 'skipped');
    expect(await parked.open('relay-p')).toEqual([]);
    expect(await parked.request(first.id, 'retry')).toBeUndefined();
    const [listed] = await parked.list('relay-p', { all: true });
    expect(listed).toMatchObject({ id: first.id, status: 'skipped' });
    expect(listed?.resolvedAt).toEqual(expect.any(String));
  });

  it('grants a lease to one process at a time and again after release', async () => {
    const otherProcess = createPool(db.url, { max: 2 });
    try {
      const first = await acquireLease(db.pool, 'relay');
      expect(first).not.toBeNull();
      expect(await acquireLease(otherProcess, 'relay')).toBeNull();
      const unrelated = await acquireLease(otherProcess, 'another-name');
      expect(unrelated).not.toBeNull();
      await unrelated?.release();
      await first?.release();
      await first?.release();
      const second = await acquireLease(otherProcess, 'relay');
      expect(second).not.toBeNull();
      expect(second?.signal.aborted).toBe(false);
      await second?.release();
    } finally {
      await otherProcess.end();
    }
  });

  it('frees the lease when the holding connection dies, and tells the holder', async () => {
    const holderPool = createPool(db.url, { max: 2 });
    try {
      const lease = await acquireLease(holderPool, 'relay-crash');
      expect(lease).not.toBeNull();
      await db.pool.query(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = hashtext('relay-crash')::oid AND granted",
      );
      let taken = await acquireLease(db.pool, 'relay-crash');
      for (let i = 0; !taken && i < 50; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        taken = await acquireLease(db.pool, 'relay-crash');
      }
      expect(taken).not.toBeNull();
      await taken?.release();
      for (let i = 0; !lease?.signal.aborted && i < 50; i += 1)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lease?.signal.aborted).toBe(true);
      await lease?.release();
    } finally {
      await holderPool.end();
    }
  });
  it('declares the lease lost when its connection stops answering without an error (a silent partition)', async () => {
    const url = new URL(db.url);
    const upstreamPort = Number(url.port);
    const upstreamHost = url.hostname;
    const frozen = new Set<Socket>();
    let freeze = false;
    const proxy = createServer((client) => {
      const upstream = connect(upstreamPort, upstreamHost);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const)
        from.on('data', (chunk) => {
          if (!freeze) to.write(chunk);
        });
      for (const socket of [client, upstream]) {
        frozen.add(socket);
        socket.on('error', () => socket.destroy());
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as AddressInfo;
    url.host = `127.0.0.1:${port}`;
    const holderPool = createPool(url.toString(), { max: 2 });
    try {
      const lease = await acquireLease(holderPool, 'relay-partition');
      expect(lease).not.toBeNull();
      freeze = true;
      for (let i = 0; !lease?.signal.aborted && i < 100; i += 1)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(lease?.signal.aborted).toBe(true);
      await lease?.release();
    } finally {
      for (const socket of frozen) socket.destroy();
      await holderPool.end().catch(() => undefined);
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
