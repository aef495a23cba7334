import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort, type ScaleHarness, startScaleHarness } from '@oms/adapters-pg';
import { orderFixtures } from '@oms/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ServerProcess,
  startServerProcess,
  stopServerProcess,
} from './testing/serverProcess.js';

/**
 * The server on PostgreSQL 15 behind PgBouncer (transaction mode) with a streaming replica: commands through the
 * pooler, the lease and migrations on DATABASE_DIRECT_URL, GET and list on DATABASE_READ_URL with read-your-writes.
 */
const TOKEN = 'OMS-Consistency-Token';
let harness: ScaleHarness;
let server: ServerProcess;
const dataDir = mkdtempSync(join(tmpdir(), 'oms-scale-e2e-'));

beforeAll(async () => {
  harness = await startScaleHarness();
  const { url, directUrl, readUrl } = harness.urls();
  server = await startServerProcess(await findFreePort(), dataDir, {
    DATABASE_URL: url,
    DATABASE_DIRECT_URL: directUrl,
    DATABASE_READ_URL: readUrl,
    OMS_READ_REPLICA_WAIT_MS: '200',
  });
});
afterAll(async () => {
  if (server) await stopServerProcess(server);
  await harness?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const metric = async (name: string): Promise<string[]> =>
  (await (await fetch(`${server.url}/metrics`)).text())
    .split('\n')
    .filter((line) => line.startsWith(name));

const eventually = async (check: () => Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('not in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const writeThenRead = async () => {
  const created = await post('/v1/orders', orderFixtures.seedCreateOrderBody());
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const confirmed = await post(`/v1/orders/${id}/confirm`);
  expect(confirmed.status).toBe(200);
  const token = confirmed.headers.get(TOKEN);
  expect(token).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
  const got = await fetch(`${server.url}/v1/orders/${id}`, { headers: { [TOKEN]: token ?? '' } });
  expect(got.status).toBe(200);
  expect(((await got.json()) as { version: number }).version).toBe(2);
  const listed = await fetch(`${server.url}/v1/orders?status=CONFIRMED&limit=100`, {
    headers: { [TOKEN]: token ?? '' },
  });
  expect(listed.status).toBe(200);
  const page = (await listed.json()) as { data: { id: string }[] };
  expect(page.data.map((order) => order.id)).toContain(id);
  return id;
};

describe('the server behind PgBouncer with a read replica', () => {
  it('reads its own writes through the token, served by the replica, with the lag on /metrics', async () => {
    expect(server.output()).toMatch(/listening on/);
    for (let i = 0; i < 20; i += 1) await writeThenRead();
    const served = await metric('oms_reads_total{served_by="replica"');
    expect(served.length).toBeGreaterThan(0);
    expect(await metric('oms_read_replica_up')).toContain('oms_read_replica_up 1');
    expect((await metric('oms_read_replica_lag_seconds ')).length).toBe(1);
    expect((await metric('oms_read_replica_lag_bytes ')).length).toBe(1);
  });

  it('with the replica stopped, every read is answered by the primary (no error, no stale answer), and the replica serves again once back', async () => {
    await harness.replica.pause();
    try {
      for (let i = 0; i < 5; i += 1) await writeThenRead();
      const plain = await fetch(`${server.url}/v1/orders`);
      expect(plain.status).toBe(200);
      await eventually(async () =>
        (await metric('oms_read_replica_up')).includes('oms_read_replica_up 0'),
      );
    } finally {
      await harness.replica.resume();
    }
    await eventually(async () =>
      (await metric('oms_read_replica_up')).includes('oms_read_replica_up 1'),
    );
    await writeThenRead();
  });
});
