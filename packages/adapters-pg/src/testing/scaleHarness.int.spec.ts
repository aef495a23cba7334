import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScaleHarness, startScaleHarness } from './startScaleHarness.js';
import { waitForReplay } from './startStreamingReplica.js';

let harness: ScaleHarness;

beforeAll(async () => {
  harness = await startScaleHarness();
});
afterAll(async () => {
  await harness?.stop();
});

const query = async <T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> => {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
};

describe('scale harness: PostgreSQL 15 primary, streaming replica, PgBouncer', () => {
  it('runs the machine’s server binaries, a hot standby in recovery, and writes through PgBouncer reach the replica', async () => {
    const { url, directUrl, readUrl } = harness.urls();
    expect(harness.primary.version).toBeGreaterThanOrEqual(15);
    expect(await query(readUrl, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: true }]);
    expect(await query(directUrl, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: false }]);
    await query(
      url,
      'CREATE TABLE harness_probe (n integer); INSERT INTO harness_probe VALUES (1), (2)',
    );
    await waitForReplay(directUrl, readUrl);
    expect(await query(readUrl, 'SELECT sum(n)::integer AS s FROM harness_probe')).toEqual([
      { s: 3 },
    ]);
  });

  it('pools in transaction mode: the pooler’s console reports it', async () => {
    const rows = await query<{ key: string; value: string }>(
      harness.bouncer.urlFor('pgbouncer'),
      'SHOW CONFIG',
    );
    expect(rows.find((row) => row.key === 'pool_mode')?.value).toBe('transaction');
  });

  it('a paused replica refuses connections, and catches up with what was written meanwhile when resumed', async () => {
    const { directUrl, readUrl } = harness.urls();
    await harness.replica.pause();
    await expect(query(readUrl, 'SELECT 1')).rejects.toThrow();
    await query(directUrl, 'INSERT INTO harness_probe VALUES (10)');
    await harness.replica.resume();
    await waitForReplay(directUrl, readUrl);
    expect(await query(readUrl, 'SELECT sum(n)::integer AS s FROM harness_probe')).toEqual([
      { s: 13 },
    ]);
  });
});
