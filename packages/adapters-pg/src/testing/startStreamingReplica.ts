import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { clusterFolder, type LocalCluster, launchCluster } from './startLocalCluster.js';

/**
 * A hot-standby streaming replica of `primary` (a `startLocalCluster`), from the same server binaries:
 * `pg_basebackup -R` (the copy, `standby.signal` and `primary_conninfo`), then `pg_ctl start` on a free port. It
 * accepts read-only connections once it is consistent; `pause()`/`resume()` stop and restart it (it catches up from
 * the primary's WAL again). `stop()` removes it.
 */
export const startStreamingReplica = async (
  primary: Pick<LocalCluster, 'port'>,
  settings: Readonly<Record<string, string | number>> = {},
): Promise<LocalCluster> => {
  const place = await clusterFolder('oms-replica-');
  const data = join(place.folder, 'data');
  try {
    await place.exec('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      data,
      '-R',
      '-X',
      'stream',
      '--no-sync',
      '-c',
      'fast',
    ]);
  } catch (error) {
    await rm(place.folder, { recursive: true, force: true });
    throw error;
  }
  return launchCluster(place, data, { hot_standby: 'on', ...settings });
};

/** Waits until the replica at `replicaUrl` has replayed everything the primary at `primaryUrl` has written so far. */
export const waitForReplay = async (
  primaryUrl: string,
  replicaUrl: string,
  timeoutMs = 10_000,
): Promise<void> => {
  const one = async (url: string, sql: string): Promise<string> => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<{ lsn: string }>(sql)).rows[0]?.lsn ?? '0/0';
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const target = await one(primaryUrl, 'SELECT pg_current_wal_insert_lsn()::text AS lsn');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const caught = await one(
      replicaUrl,
      `SELECT (pg_last_wal_replay_lsn() >= '${target}'::pg_lsn)::text AS lsn`,
    ).catch((error: unknown) => {
      // a database created just now on the primary does not exist on the replica until its creation is replayed
      if ((error as { code?: unknown }).code === '3D000') return 'false';
      throw error;
    });
    if (caught === 'true') return;
    if (Date.now() > deadline)
      throw new Error(`replica did not replay ${target} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
