import type pg from 'pg';
import { lsnToBigInt } from './lsn.js';

export interface ReplicaStatus {
  /** The replica answered the last sample and is in recovery (a hot standby). */
  readonly up: boolean;
  /** Seconds since the primary was at a WAL position the replica has not replayed yet (0: caught up). */
  readonly lagSeconds: number;
  /** WAL bytes the primary has written and the replica not replayed yet, at the last sample. */
  readonly lagBytes: number;
  /** The replica's replay position at the last sample (0 while down). */
  readonly replayed: bigint;
}

export interface ReplicaMonitor {
  status(): ReplicaStatus;
  /** A read on the replica failed: down until the next sample says otherwise. */
  markDown(): void;
  stop(): void;
}

/** How many primary positions are remembered to measure the lag in time (one per sample). */
const MAX_SAMPLES = 600;

/**
 * Samples the primary's WAL position and the replica's replay position every `pollMillis`. The lag in seconds is
 * the age of the oldest primary sample the replica has not replayed: how old the newest data on the replica may be
 * (resolution: one poll). Until the first sample answers, the replica counts as down.
 */
export const createReplicaMonitor = ({
  primary,
  replica,
  pollMillis,
}: {
  readonly primary: pg.Pool;
  readonly replica: pg.Pool;
  readonly pollMillis: number;
}): ReplicaMonitor => {
  let current: ReplicaStatus = { up: false, lagSeconds: 0, lagBytes: 0, replayed: 0n };
  const samples: { readonly at: number; readonly lsn: bigint }[] = [];
  let stopped = false;
  let running = false;

  const sample = async (): Promise<void> => {
    if (running || stopped) return;
    running = true;
    try {
      const head = await primary
        .query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
        .then((result) => lsnToBigInt(result.rows[0]?.lsn ?? ''))
        .catch(() => undefined);
      if (head !== undefined) {
        samples.push({ at: Date.now(), lsn: head });
        if (samples.length > MAX_SAMPLES) samples.shift();
      }
      const standby = await replica
        .query<{ recovery: boolean; lsn: string | null }>(
          'SELECT pg_is_in_recovery() AS recovery, pg_last_wal_replay_lsn()::text AS lsn',
        )
        .then((result) => result.rows[0])
        .catch(() => undefined);
      const replayed = standby?.lsn ? lsnToBigInt(standby.lsn) : undefined;
      if (!standby?.recovery || replayed === undefined) {
        current = {
          up: false,
          lagSeconds: current.lagSeconds,
          lagBytes: current.lagBytes,
          replayed: 0n,
        };
        return;
      }
      while (samples.length > 0 && (samples[0]?.lsn ?? 0n) <= replayed) samples.shift();
      const oldest = samples[0];
      current = {
        up: true,
        lagSeconds: oldest ? (Date.now() - oldest.at) / 1000 : 0,
        lagBytes: head !== undefined && head > replayed ? Number(head - replayed) : 0,
        replayed,
      };
    } finally {
      running = false;
    }
  };

  void sample();
  const timer = setInterval(() => void sample(), pollMillis);
  timer.unref();
  return {
    status: () => current,
    markDown: () => {
      current = { ...current, up: false, replayed: 0n };
    },
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
};
