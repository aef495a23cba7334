import type { InfrastructureError } from '@oms/domain';
import type { ResultAsync } from 'neverthrow';
import { attempt, type Queryable } from '../pool.js';
import { IN_FLIGHT_APPENDS_SQL } from './positions.js';

/** The append in flight that holds the reader back (the one with the lowest position). */
export interface ReadBarrierBlocker {
  /** Its backend's pid; null for a prepared transaction (it has no session any more). */
  readonly pid: number | null;
  /** `application_name` of that session, from pg_stat_activity. */
  readonly applicationName: string | null;
  /** pg_stat_activity `state`, e.g. `idle in transaction`, `active`. */
  readonly state: string | null;
  /** The gid of a prepared transaction (`COMMIT PREPARED '<gid>'` or `ROLLBACK PREPARED '<gid>'` ends it). */
  readonly preparedGid: string | null;
  /** The lowest global position it will write; null while it is drawing one. */
  readonly position: number | null;
  /** Seconds since its transaction started (or since it was prepared). */
  readonly transactionSeconds: number | null;
}

export interface ReadBarrierStatus {
  /** `readAll` returns events below this position; null when an append could not be placed in time. */
  readonly barrier: number | null;
  /** The highest committed position (0: no events). */
  readonly head: number;
  /** Appends in flight in this database right now. */
  readonly appendsInFlight: number;
  /** Committed events at or above the barrier, waiting for an append in flight to end (counted up to 10,000). */
  readonly heldBack: number;
  /** Age of the oldest committed event held back (0 when none): how long readers have been blocked. */
  readonly blockedSeconds: number;
  /** Who holds them back, when something is held back. */
  readonly blocker: ReadBarrierBlocker | null;
}

interface StatusRow {
  readonly barrier: string | null;
  readonly head: string | null;
  readonly in_flight: number;
  readonly held_back: number;
  readonly blocked_seconds: number | null;
  readonly pid: number | null;
  readonly application_name: string | null;
  readonly state: string | null;
  readonly gid: string | null;
  readonly number: string | null;
  readonly transaction_seconds: number | null;
  readonly has_blocker: boolean;
}

const STATUS_SQL = `
WITH b AS MATERIALIZED (SELECT oms_read_barrier() AS barrier),
inflight AS MATERIALIZED (${IN_FLIGHT_APPENDS_SQL}),
lowest AS (SELECT * FROM inflight ORDER BY number NULLS FIRST LIMIT 1),
held AS (
  SELECT count(*)::integer AS n, min(recorded_at) AS since
    FROM (SELECT e.recorded_at FROM oms_events e, b
           WHERE e.global_position >= coalesce(b.barrier,
                   (SELECT number << 10 FROM lowest), (SELECT max(global_position) + 1 FROM oms_events))
           LIMIT 10000) AS waiting
)
SELECT b.barrier::text AS barrier,
       (SELECT max(global_position) FROM oms_events)::text AS head,
       (SELECT count(*) FROM inflight)::integer AS in_flight,
       held.n AS held_back,
       extract(epoch FROM now() - held.since)::float8 AS blocked_seconds,
       l.virtualtransaction IS NOT NULL AS has_blocker,
       l.pid, a.application_name, a.state, px.gid, l.number::text AS number,
       extract(epoch FROM now() - coalesce(a.xact_start, px.prepared))::float8 AS transaction_seconds
  FROM b CROSS JOIN held
  LEFT JOIN lowest l ON held.n > 0 OR b.barrier IS NULL
  LEFT JOIN pg_stat_activity a ON a.pid = l.pid
  LEFT JOIN pg_locks x ON l.pid IS NULL AND x.locktype = 'transactionid'
                      AND x.virtualtransaction = l.virtualtransaction
  LEFT JOIN pg_prepared_xacts px ON px.transaction = x.transactionid`;

/**
 * Why `readAll` is not moving (for the relay's metrics and log, and `oms relay-status`): the barrier, what is held
 * back behind it and for how long, and the append in flight that holds it (pid and application, or the gid of a
 * prepared transaction). Reads pg_locks and pg_stat_activity: call it when the reader is idle or on a timer, not
 * for every batch.
 */
export const readBarrierStatus = (
  db: Queryable,
): ResultAsync<ReadBarrierStatus, InfrastructureError> =>
  attempt(() => db.query<StatusRow>(STATUS_SQL)).map((result): ReadBarrierStatus => {
    const row = result.rows[0];
    const heldBack = row?.held_back ?? 0;
    return {
      barrier: row?.barrier == null ? null : Number(row.barrier),
      head: Number(row?.head ?? 0),
      appendsInFlight: row?.in_flight ?? 0,
      heldBack,
      blockedSeconds: heldBack > 0 ? Math.max(0, row?.blocked_seconds ?? 0) : 0,
      blocker: row?.has_blocker
        ? {
            pid: row.pid,
            applicationName: row.application_name,
            state: row.state,
            preparedGid: row.gid,
            position: row.number == null ? null : Number(row.number) * 1024,
            transactionSeconds: row.transaction_seconds,
          }
        : null,
    };
  });
