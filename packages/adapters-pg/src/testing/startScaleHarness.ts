import { type LocalCluster, startLocalCluster } from './startLocalCluster.js';
import { type PgBouncer, startPgBouncer } from './startPgBouncer.js';
import { startStreamingReplica } from './startStreamingReplica.js';

export interface ScaleHarness {
  /** The PostgreSQL 15 primary (direct connections: `DATABASE_DIRECT_URL`). */
  readonly primary: LocalCluster;
  /** A hot-standby streaming replica of it (`DATABASE_READ_URL`). */
  readonly replica: LocalCluster;
  /** PgBouncer in transaction mode in front of the primary (`DATABASE_URL`). */
  readonly bouncer: PgBouncer;
  /** The three URLs for one database name on them. */
  urls(database?: string): {
    readonly url: string;
    readonly directUrl: string;
    readonly readUrl: string;
  };
  /** Stops everything and removes its folders. */
  stop(): Promise<void>;
}

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/**
 * The scale-out setup of issue 16 on this machine's server binaries: a primary, a streaming replica and PgBouncer
 * (transaction mode) in front of the primary, each on a free port, torn down by `stop()`. A database created on the
 * primary appears on the replica as soon as it has replayed it.
 */
export const startScaleHarness = async (
  settings: Readonly<Record<string, string | number>> = {},
): Promise<ScaleHarness> => {
  // synchronous_commit on (the default of a real server): with it off, WAL reaches the replica only at the WAL
  // writer's next round (wal_writer_delay, 200 ms), so every read after a write would wait for that.
  const primary = await startLocalCluster({
    max_connections: 200,
    synchronous_commit: 'on',
    ...settings,
  });
  let replica: LocalCluster | undefined;
  let bouncer: PgBouncer | undefined;
  try {
    replica = await startStreamingReplica(primary, { max_connections: 200 });
    bouncer = await startPgBouncer({ upstreamPort: primary.port });
  } catch (error) {
    await replica?.stop();
    await primary.stop();
    throw error;
  }
  const started = { replica, bouncer };
  return {
    primary,
    ...started,
    urls: (database = 'postgres') => ({
      url: started.bouncer.urlFor(database),
      directUrl: withDatabase(primary.url, database),
      readUrl: withDatabase(started.replica.url, database),
    }),
    stop: async () => {
      await started.bouncer.stop();
      await started.replica.stop();
      await primary.stop();
    },
  };
};
