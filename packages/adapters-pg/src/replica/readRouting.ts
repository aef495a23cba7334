import type { OrderQueries } from '@oms/domain';
import type pg from 'pg';
import type { Queryable } from '../pool.js';
import { createPgOrderQueries } from '../projections/orderQueries.js';
import { isLsn, lsnToBigInt } from './lsn.js';
import { createReplicaMonitor, type ReplicaStatus } from './replicaMonitor.js';

export type ReadSource = 'replica' | 'primary';

/** Why a read went where it went (a label of the reads metric). */
export type ReadReason =
  | 'replica' // no token, or the replica had replayed it
  | 'replica-unhealthy' // down, not in recovery, or lagging beyond maxLag
  | 'token-not-replayed' // the replica did not replay the token within the wait
  | 'replica-failed' // the read on the replica failed: served by the primary instead
  | 'newer-on-primary'; // the replica's answer was older than the client's version (or missing)

export interface ReadRoutingOptions {
  readonly primary: pg.Pool;
  readonly replica: pg.Pool;
  /** How long a read with a token waits for the replica to replay it (default 100 ms), then reads the primary. */
  readonly waitMillis?: number;
  /** A replica further behind than this serves nothing until it catches up (default 5 s). */
  readonly maxLagMillis?: number;
  /** How often the replica's replay position and lag are sampled (default 500 ms). */
  readonly pollMillis?: number;
  /** The queries on one database (default: `createPgOrderQueries`). */
  readonly queriesOn?: (db: Queryable) => OrderQueries;
  /** Called once per routed read: where it was served and why. */
  readonly onRead?: (source: ReadSource, reason: ReadReason) => void;
}

export interface ReadRouting {
  /** True when the text is a token this routing issued (a WAL position). */
  isToken(text: string): boolean;
  /**
   * The consistency token of everything the primary has committed so far (its WAL insert position, read after the
   * command committed, so at or past its commit record): a read that sends it back sees that commit.
   */
  tokenAfterWrite(): Promise<string | undefined>;
  /**
   * The queries for one read: the replica's when it is healthy and, with a token, has replayed it (waiting up to
   * `waitMillis`); else the primary's. A replica read that fails is served by the primary.
   */
  queriesFor(token: string | undefined): Promise<OrderQueries>;
  /** The primary's queries (a re-read when the replica answered an older version than the client holds). */
  readonly primary: OrderQueries;
  /** Counts a re-read on the primary (`newer-on-primary`). */
  countReread(): void;
  status(): ReplicaStatus;
  stop(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Read-your-writes over a PostgreSQL streaming replica. Reads without a token go to the replica while it is up and
 * within `maxLagMillis`; a read with a token (the primary's WAL position after the client's write) goes there
 * only once the replica has replayed that position, checked on the replica itself, else to the primary. A dead or
 * lagging replica costs a fallback, never an error or a stale answer to a writer.
 */
export const createReadRouting = ({
  primary,
  replica,
  waitMillis = 100,
  maxLagMillis = 5_000,
  pollMillis = 500,
  queriesOn = createPgOrderQueries,
  onRead = () => undefined,
}: ReadRoutingOptions): ReadRouting => {
  const monitor = createReplicaMonitor({ primary, replica, pollMillis });
  const onPrimary = queriesOn(primary);
  const onReplica = queriesOn(replica);
  const healthy = (): boolean => {
    const status = monitor.status();
    return status.up && status.lagSeconds * 1000 <= maxLagMillis;
  };

  /** The replica's queries, each falling back to the primary when the replica cannot answer. */
  const withFallback: OrderQueries = {
    getOrder: (orderId) =>
      onReplica.getOrder(orderId).orElse((error) => {
        if (error.code !== 'service-unavailable') return onReplica.getOrder(orderId);
        monitor.markDown();
        onRead('primary', 'replica-failed');
        return onPrimary.getOrder(orderId);
      }),
    listOrders: (query) =>
      onReplica.listOrders(query).orElse((error) => {
        if (error.code !== 'service-unavailable') return onReplica.listOrders(query);
        monitor.markDown();
        onRead('primary', 'replica-failed');
        return onPrimary.listOrders(query);
      }),
  };

  const replayed = async (token: string): Promise<boolean> => {
    const deadline = Date.now() + waitMillis;
    for (let pause = 2; ; pause = Math.min(pause * 2, 20)) {
      try {
        const result = await replica.query<{ ok: boolean | null }>(
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
          [token],
        );
        if (result.rows[0]?.ok === true) return true;
      } catch {
        monitor.markDown();
        return false;
      }
      if (Date.now() + pause > deadline) return false;
      await sleep(pause);
    }
  };

  const routed = (source: ReadSource, reason: ReadReason): OrderQueries => {
    onRead(source, reason);
    return source === 'replica' ? withFallback : onPrimary;
  };

  return {
    isToken: isLsn,
    tokenAfterWrite: async () => {
      try {
        const result = await primary.query<{ lsn: string }>(
          'SELECT pg_current_wal_insert_lsn()::text AS lsn',
        );
        return result.rows[0]?.lsn;
      } catch {
        return undefined;
      }
    },
    queriesFor: async (token) => {
      if (!healthy()) return routed('primary', 'replica-unhealthy');
      if (token === undefined) return routed('replica', 'replica');
      if (lsnToBigInt(token) === undefined) return routed('primary', 'token-not-replayed');
      if (await replayed(token)) return routed('replica', 'replica');
      return routed('primary', 'token-not-replayed');
    },
    primary: onPrimary,
    countReread: () => onRead('primary', 'newer-on-primary'),
    status: monitor.status,
    stop: monitor.stop,
  };
};
