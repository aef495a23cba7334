import type pg from 'pg';

export interface Lease {
  /** Unlocks and returns the dedicated connection. Safe to call twice. */
  release(): Promise<void>;
  /** Aborted when the connection holding the lock is lost (the lock is gone with it). */
  readonly signal: AbortSignal;
}

/**
 * A named, exclusive lease: a session advisory lock held on a dedicated connection taken from the pool. Returns
 * null at once when another session holds it. The lock dies with its connection, so a crashed holder frees it.
 */
/** How often a held lease checks that its connection (and so its lock) is still alive, and how long it waits. */
const LEASE_CHECK_INTERVAL_MS = 2_000;
const LEASE_CHECK_TIMEOUT_MS = 3_000;

export const acquireLease = async (pool: pg.Pool, name: string): Promise<Lease | null> => {
  const client = await pool.connect();
  const lost = new AbortController();
  const onError = (error: Error) => lost.abort(error);
  client.on('error', onError);
  let held = false;
  try {
    const result = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext('oms-lease'), hashtext($1)) AS locked",
      [name],
    );
    held = result.rows[0]?.locked === true;
  } catch (error) {
    client.off('error', onError);
    client.release(error instanceof Error ? error : true);
    throw error;
  }
  if (!held) {
    client.off('error', onError);
    client.release();
    return null;
  }
  let released = false;
  // A connection that dies quietly (a partition, no error event) must not leave this process publishing while
  // another one takes the lock: the lease is declared lost as soon as its connection stops answering.
  const check = setInterval(() => {
    if (released || lost.signal.aborted) return;
    client
      .query({ text: 'SELECT 1', query_timeout: LEASE_CHECK_TIMEOUT_MS } as pg.QueryConfig)
      .catch((error: Error) => {
        if (!released) lost.abort(error);
      });
  }, LEASE_CHECK_INTERVAL_MS);
  check.unref();
  lost.signal.addEventListener('abort', () => clearInterval(check), { once: true });
  return {
    signal: lost.signal,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(check);
      let failure: Error | undefined;
      if (!lost.signal.aborted)
        await client
          .query("SELECT pg_advisory_unlock(hashtext('oms-lease'), hashtext($1))", [name])
          .catch((error: Error) => {
            failure = error;
          });
      client.off('error', onError);
      // A broken connection is destroyed rather than returned to the pool.
      client.release(lost.signal.aborted ? true : failure);
    },
  };
};
