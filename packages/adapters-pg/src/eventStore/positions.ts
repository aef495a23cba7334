/**
 * Global positions and the read barrier.
 *
 * A position is `n × 1024 + index in the append`, where `n` is drawn from the sequence `oms_events_position_seq`,
 * once per append. A sequence is ordinary data: `pg_dump` carries its value, and after a logical-replication move
 * (which does not copy sequences) `alignPositionSequence` (run with the migrations at every start) moves it above
 * every stored position. Nothing depends on the server's transaction ids, so a restore into a fresh cluster keeps
 * the order and new events land above the restored ones.
 *
 * A sequence alone is not gap-free: T1 draws 10, T2 draws 11 and commits first; a reader that returned 11 and
 * saved it as its checkpoint would never see 10. So every append registers itself before it draws, and the reader
 * reads only below the lowest append still in flight:
 *
 * 1. `oms_next_position()` takes a shared transaction-level advisory lock ("an append is in flight", the
 *    REGISTRATION lock), then draws `n`, then takes an exclusive transaction-level advisory lock on `n` (the
 *    POSITION lock). Both are released by the commit or rollback, after the commit is visible.
 * 2. `oms_read_barrier()` reads the last drawn `n` FIRST, then one snapshot of `pg_locks` for this database. Every
 *    append that drew a number up to that value registered before drawing, so it is either finished (visible or
 *    gone) or listed; for each listed one its lowest POSITION lock is its lowest number. The barrier is
 *    `min(lowest number in flight, last drawn + 1) × 1024`: every position below it is final. A registered append
 *    that has not locked its number yet (the microseconds between the draw and the lock) makes the reader look
 *    again, at most ~100 ms, after which it returns no barrier (the reader returns nothing this time).
 * 3. `oms_read_all()` computes the barrier and THEN reads (a new snapshot in READ COMMITTED), so every event that
 *    finished before the barrier was computed is visible to the read.
 *
 * The barrier depends only on transactions that append events: an idle or prepared transaction elsewhere, in this
 * or another database, a `SELECT … FOR UPDATE`, a long report — none of them takes these locks. An append inside a
 * caller's transaction holds its locks until that transaction ends: events after it wait (never skip), bounded by
 * the session's `idle_in_transaction_session_timeout`/`statement_timeout`; a prepared transaction that appended
 * holds them until COMMIT/ROLLBACK PREPARED (see readBarrierStatus.ts: who, and for how long).
 *
 * Per-order order: an append at expectedVersion v+1 checks (in its statement snapshot) that v is committed, or was
 * written by the same transaction, before it draws; v's number was drawn earlier, so v+1 gets a higher position.
 *
 * Advisory locks are per database, cost no WAL and live in shared memory (two per appending transaction: from
 * migration 6 only a transaction's first number, its lowest, is locked).
 * Released migration SQL: never edit it, add a migration.
 */

/** The REGISTRATION lock, two-key form `(key1, key2)`: shown in pg_locks as classid/objid with objsubid 2. */
export const REGISTRATION_LOCK = { key1: 7_270_002, key2: 1 } as const;

/** POSITION locks: one-key form `TAG × 2^44 + n`, shown as classid = TAG × 4096 + (n >> 32), objid = n & 0xffffffff. */
export const POSITION_LOCK_TAG = 325_845;

/** At most this many events per append (the index part of a position). */
export const EVENTS_PER_POSITION = 1024;

/** The lock rows of this database's appends in flight (one `pg_locks` snapshot): holder, its lowest number, pid. */
export const IN_FLIGHT_APPENDS_SQL = `
  WITH locks AS MATERIALIZED (
    SELECT virtualtransaction, pid, classid, objid, objsubid
      FROM pg_locks
     WHERE locktype = 'advisory' AND granted
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  )
  SELECT k.virtualtransaction, k.pid,
         (SELECT min(((p.classid::bigint & 4095) << 32) | p.objid::bigint)
            FROM locks p
           WHERE p.virtualtransaction = k.virtualtransaction AND p.objsubid = 1
             AND (p.classid::bigint >> 12) = ${POSITION_LOCK_TAG}) AS number
    FROM locks k
   WHERE k.objsubid = 2 AND k.classid = ${REGISTRATION_LOCK.key1} AND k.objid = ${REGISTRATION_LOCK.key2}`;

const LAST_DRAWN_SQL =
  'SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM oms_events_position_seq';

/**
 * The gap-free reader (part of migration 5's SQL, kept verbatim). Its result type is the row type of `oms_events`, so
 * replacing the table (partitionEvents.ts) drops and re-creates it with this same text.
 */
export const READ_ALL_FUNCTION_SQL = `CREATE FUNCTION oms_read_all(after bigint, max_count integer) RETURNS SETOF oms_events
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  barrier bigint;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION USING ERRCODE = 'OM002',
      MESSAGE = 'readAll needs READ COMMITTED: an older snapshot could hide an event committed below the barrier';
  END IF;
  barrier := oms_read_barrier();
  IF barrier IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY SELECT * FROM oms_events
                WHERE global_position > after AND global_position < barrier
                ORDER BY global_position
                LIMIT max_count;
END
$$;`;

export const POSITIONS_MIGRATION_SQL = `
CREATE SEQUENCE oms_events_position_seq AS bigint MINVALUE 1 MAXVALUE 8796093022207;
SELECT setval('oms_events_position_seq', coalesce((SELECT max(global_position) >> 10 FROM oms_events), 0) + 1, false);
-- Positions no longer come from transaction ids: an older server still writing them fails loudly, never out of order.
ALTER TABLE oms_events DROP COLUMN transaction_id;

CREATE FUNCTION oms_next_position() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n bigint;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(${REGISTRATION_LOCK.key1}, ${REGISTRATION_LOCK.key2});
  n := nextval('oms_events_position_seq');
  PERFORM pg_advisory_xact_lock((${POSITION_LOCK_TAG}::bigint << 44) + n);
  RETURN n << 10;
END
$$;

-- The exclusive upper bound of final positions, or NULL when an append in flight could not be placed in time.
CREATE FUNCTION oms_read_barrier() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  drawn bigint;
  lowest bigint;
  unplaced integer;
BEGIN
  FOR attempt IN 1..200 LOOP
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO drawn FROM oms_events_position_seq;
    SELECT min(h.number), count(*) FILTER (WHERE h.number IS NULL) INTO lowest, unplaced
      FROM (${IN_FLIGHT_APPENDS_SQL}) AS h;
    IF unplaced = 0 THEN
      RETURN least(lowest, drawn + 1) << 10;
    END IF;
    PERFORM pg_sleep(0.0005);
  END LOOP;
  RETURN NULL;
END
$$;

${READ_ALL_FUNCTION_SQL}`;

/**
 * Migration 6: a transaction locks only its FIRST number (its lowest: later draws are higher), so a caller's
 * transaction with thousands of appends holds two advisory locks, not one per append (the lock table is shared and
 * sized by max_locks_per_transaction). The mark is a transaction-local setting: a rolled-back savepoint reverts it
 * together with the lock it took.
 */
export const LOCK_FIRST_POSITION_ONLY_SQL = `
CREATE OR REPLACE FUNCTION oms_next_position() RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n bigint;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(${REGISTRATION_LOCK.key1}, ${REGISTRATION_LOCK.key2});
  n := nextval('oms_events_position_seq');
  IF current_setting('oms.position_locked', true) IS DISTINCT FROM 'on' THEN
    PERFORM pg_advisory_xact_lock((${POSITION_LOCK_TAG}::bigint << 44) + n);
    PERFORM set_config('oms.position_locked', 'on', true);
  END IF;
  RETURN n << 10;
END
$$;`;

/**
 * After a logical-replication move (sequences are not replicated) or any copy that left the sequence behind the
 * stored events, moves it above them. Only ever forward; a no-op when it is ahead (the usual case, and after a
 * `pg_dump` restore, which carries the sequence's value).
 */
export const ALIGN_POSITION_SEQUENCE_SQL = `
SELECT setval('oms_events_position_seq', s.stored + 1, false) AS moved
  FROM (SELECT max(global_position) >> 10 AS stored FROM oms_events) AS s
 WHERE s.stored IS NOT NULL AND s.stored >= (${LAST_DRAWN_SQL})`;
