import { performance } from 'node:perf_hooks';
import {
  type AppendOptions,
  type AppendResult,
  type EventStoreError,
  serviceUnavailable,
} from '@oms/domain';
import { err, type Result, ResultAsync } from 'neverthrow';
import type { SealedEvents } from '../personalData/personalDataCipher.js';
import { attempt, type Queryable } from '../pool.js';
import {
  type AppendRow,
  appendSealed,
  eventRecords,
  readModelRow,
  toAppendResult,
} from './appendToStream.js';

/**
 * Several appends (to different streams) in ONE statement: what APPEND_SQL does for one append (see there), for
 * each element of `$1`, with the same rules. A stream that is already past the expected version is refused here
 * (`allowed`), not by the unique key, so that one lost race does not fail the others; a race with an append still
 * in flight elsewhere can still fail the whole statement on that key, and then each append runs again alone.
 *
 * Every table is read per append: correlated lookups fenced with `OFFSET 0` (a fenced subquery cannot be turned into
 * a hashed one or a join) and `= ANY` of the batch's ids. The statement is named, so its plan is cached per
 * connection; unfenced, the planner (which estimates ~100 batch rows) hashed the whole events table once per
 * statement, and the cached plan went on doing so as the table grew (appendBatchPlan.int.spec.ts).
 */
const APPEND_BATCH_SQL = `
WITH a AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS a(i integer, stream_id text, expected integer, events jsonb,
                                                   key text, token text, outcome jsonb, source text, row jsonb,
                                                   keys jsonb)
),
allowed AS MATERIALIZED (
  SELECT a.i,
         (a.expected = 0 OR EXISTS (SELECT 1 FROM oms_events e
                                     WHERE e.stream_id = a.stream_id AND e.stream_version = a.expected OFFSET 0))
     AND NOT EXISTS (SELECT 1 FROM oms_events e
                      WHERE e.stream_id = a.stream_id AND e.stream_version = a.expected + 1 OFFSET 0)
     AND (a.key IS NULL OR EXISTS (SELECT 1 FROM oms_idempotency_claims c
                                    WHERE c.source = a.source AND c.key = a.key AND c.token::text = a.token
                                   OFFSET 0)) AS ok
    FROM a
),
drawn AS MATERIALIZED (
  SELECT allowed.i, oms_next_position() AS base FROM allowed WHERE allowed.ok
),
ins AS (
  INSERT INTO oms_events (global_position, stream_id, stream_version, event_id, event_type, schema_version, data,
                          metadata, occurred_at)
  SELECT d.base + e.n, a.stream_id, a.expected + e.n + 1,
         e.event_id, e.event_type, e.schema_version, e.data, e.metadata, e.occurred_at
    FROM drawn AS d
    JOIN a ON a.i = d.i
   CROSS JOIN LATERAL jsonb_to_recordset(a.events) AS e(n integer, event_id text, event_type text,
                                                         schema_version integer, data jsonb, metadata jsonb,
                                                         occurred_at timestamptz)
  RETURNING global_position, stream_id, stream_version
),
done AS MATERIALIZED (
  SELECT a.i, count(*) AS inserted, max(ins.global_position) AS last_position, max(ins.stream_version) AS next_version
    FROM ins JOIN a ON a.stream_id = ins.stream_id
   GROUP BY a.i
),
idem AS (
  INSERT INTO oms_idempotency_keys (source, key, fingerprint, token, lease_until, expires_at, outcome)
  SELECT c.source, c.key, c.fingerprint, c.token, c.lease_until, c.expires_at, a.outcome
    FROM done
    JOIN a ON a.i = done.i
   CROSS JOIN LATERAL (SELECT * FROM oms_idempotency_claims c
                        WHERE c.source = a.source AND c.key = a.key AND c.token::text = a.token OFFSET 0) AS c
   WHERE a.key IS NOT NULL
  RETURNING source, key
),
unclaim AS (
  DELETE FROM oms_idempotency_claims c
   WHERE c.source = ANY (ARRAY(SELECT source FROM idem)) AND c.key = ANY (ARRAY(SELECT key FROM idem))
     AND (c.source, c.key) IN (SELECT source, key FROM idem)
  RETURNING c.source, c.key
),
model AS MATERIALIZED (
  SELECT a.expected, r.*
    FROM done
    JOIN a ON a.i = done.i
   CROSS JOIN LATERAL jsonb_to_record(a.row) AS r(id uuid, status text, channel text, payment_status text,
                                                  on_hold boolean, customer_email text, customer_email_as_given text,
                                                  created_at timestamptz, updated_at timestamptz, version integer,
                                                  line_count integer, order_total text, currency_code text,
                                                  external_id text)
   WHERE a.row IS NOT NULL
),
upd AS (
  UPDATE oms_orders AS o
     SET status = r.status, channel = r.channel, payment_status = r.payment_status, on_hold = r.on_hold,
         customer_email = r.customer_email, customer_email_as_given = r.customer_email_as_given,
         created_at = r.created_at, updated_at = r.updated_at, version = r.version, line_count = r.line_count,
         order_total = r.order_total, currency_code = r.currency_code, external_id = r.external_id
    FROM model AS r
   WHERE o.id = ANY (ARRAY(SELECT m.id FROM model m WHERE m.expected > 0))
     AND o.id = r.id AND r.expected > 0 AND o.version < r.version
  RETURNING 1
),
doc AS (
  INSERT INTO oms_orders (id, status, channel, payment_status, on_hold, customer_email, customer_email_as_given,
                          created_at, updated_at, version, line_count, order_total, currency_code, external_id)
  SELECT r.id, r.status, r.channel, r.payment_status, r.on_hold, r.customer_email, r.customer_email_as_given,
         r.created_at, r.updated_at, r.version, r.line_count, r.order_total, r.currency_code, r.external_id
    FROM model AS r
   WHERE r.expected = 0 OR NOT EXISTS (SELECT 1 FROM oms_orders o WHERE o.id = r.id OFFSET 0)
  RETURNING 1
),
keys AS (
  INSERT INTO oms_data_keys (key_id, subject_digest, wrapped_key, master_key_id)
  SELECT k.key_id, decode(k.subject_digest, 'base64'), decode(k.wrapped_key, 'base64'), k.master_key_id
    FROM done
    JOIN a ON a.i = done.i
   CROSS JOIN LATERAL jsonb_to_recordset(a.keys) AS k(key_id text, subject_digest text, wrapped_key text,
                                                       master_key_id text)
   WHERE a.keys IS NOT NULL
  RETURNING 1
)
SELECT a.i,
       coalesce(done.inserted, 0)::integer AS inserted, done.last_position::text AS last_position,
       done.next_version, allowed.ok AS allowed,
       CASE WHEN done.i IS NULL
            THEN (SELECT coalesce(max(stream_version), 0) FROM oms_events WHERE stream_id = a.stream_id)
       END AS actual_version,
       CASE WHEN done.i IS NOT NULL AND a.key IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM unclaim u WHERE u.source = a.source AND u.key = a.key)
            THEN oms_raise('OM001', 'idempotency key was taken over during the append')
            ELSE true END AS consistent
  FROM a
  JOIN allowed ON allowed.i = a.i
  LEFT JOIN done ON done.i = a.i
 ORDER BY a.i`;

/** The batch statement's name (a named statement: planned once per connection, then its cached plan). */
export const APPEND_BATCH_STATEMENT = 'oms_append_batch_v2';

interface BatchRow extends AppendRow {
  readonly i: number;
}

/** An append waiting for its batch. */
interface Pending {
  readonly streamId: string;
  readonly sealed: SealedEvents;
  readonly options: AppendOptions;
  readonly settle: (result: Result<AppendResult, EventStoreError>) => void;
  /** When it was queued (performance.now()). */
  readonly queuedAt: number;
}

export interface AppendBatching {
  /** Statements in flight at once (default 2); appends arriving meanwhile wait and go together in the next one. */
  readonly maxInFlight?: number;
  /** Appends in one statement at most (default 32). */
  readonly maxBatch?: number;
  /**
   * A statement in flight longer than this (default 50 ms: waiting for a lock, say) no longer counts against
   * `maxInFlight`, so one slow statement delays only the appends it carries, never the ones after it.
   */
  readonly stallMs?: number;
  /**
   * An append still queued after this long (default 5 s, the pool's wait for a connection) is answered
   * `service-unavailable` and never sent: under overload the queue sheds load instead of growing.
   */
  readonly maxWaitMs?: number;
}

/** One append as the batch statement reads it (an element of its `$1`). */
export const toBatchInput = (
  { streamId, sealed, options }: Pick<Pending, 'streamId' | 'sealed' | 'options'>,
  i: number,
) => ({
  i,
  stream_id: streamId,
  expected: options.expectedVersion,
  events: eventRecords(sealed.events),
  key: options.idempotency?.key.key ?? null,
  token: options.idempotency?.token ?? null,
  outcome: options.idempotency?.outcome ?? null,
  source: options.idempotency?.key.source ?? null,
  row: readModelRow(streamId, options.snapshot) ?? null,
  keys: sealed.newKeys.length > 0 ? sealed.newKeys : null,
});

/**
 * The order of the appends in a statement: by stream id. The statement inserts them in that order, and an insert
 * waits for another transaction's uncommitted row of the same stream; so two processes' statements that share
 * streams wait on each other in one order and never deadlock (in arrival order, two batches of the same streams in
 * opposite orders deadlocked, a second each: appendBatchLockOrder.int.spec.ts).
 */
const byStream = (a: Pick<Pending, 'streamId'>, b: Pick<Pending, 'streamId'>): number =>
  a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0;

/**
 * Group commit for one process: at most `maxInFlight` append statements run at once (not counting one that has
 * stalled for `stallMs`); appends that arrive while they run are queued and sent together, one statement and one
 * commit for all of them (different streams only: a second append to a stream waits for the next statement).
 * While a statement is in flight, or its end is being handled, appends are sent at the end of the event loop's turn
 * they arrive in, so that the ones a finished statement lets go (its callers' next requests) go together instead of
 * the first of them alone; an append that finds nothing in flight goes at once.
 * A statement that fails sends each of its appends again alone, so each gets its own answer (a lost race, a key taken
 * over, the database being down), exactly as without batching.
 */
export const createAppendBatcher = (db: Queryable, batching: AppendBatching = {}) => {
  const maxInFlight = Math.max(1, batching.maxInFlight ?? 2);
  const maxBatch = Math.max(1, batching.maxBatch ?? 32);
  const stallMs = Math.max(0, batching.stallMs ?? 50);
  const maxWaitMs = Math.max(0, batching.maxWaitMs ?? 5_000);
  const queue: Pending[] = [];
  let inFlight = 0;

  const alone = async (pending: Pending): Promise<void> => {
    pending.settle(await appendSealed(db, pending.streamId, pending.sealed, pending.options));
  };

  const together = async (arrived: readonly Pending[]): Promise<void> => {
    const batch = [...arrived].sort(byStream);
    const result = await attempt(() =>
      db.query<BatchRow>({
        name: APPEND_BATCH_STATEMENT,
        text: APPEND_BATCH_SQL,
        values: [JSON.stringify(batch.map(toBatchInput))],
      }),
    );
    if (result.isErr()) {
      await Promise.all(batch.map(alone));
      return;
    }
    const rows = new Map(result.value.rows.map((row) => [row.i, row]));
    batch.forEach((pending, i) => {
      pending.settle(toAppendResult(rows.get(i), pending.options, pending.sealed.events.length));
    });
  };

  /**
   * The next batch: queued appends in arrival order, one per stream, the others left queued; those that waited too
   * long are answered instead.
   */
  const take = (): Pending[] => {
    const batch: Pending[] = [];
    const streams = new Set<string>();
    const tooOld = performance.now() - maxWaitMs;
    for (let index = 0; index < queue.length && batch.length < maxBatch; ) {
      const pending = queue[index];
      if (pending && pending.queuedAt < tooOld) {
        queue.splice(index, 1);
        pending.settle(
          err(serviceUnavailable('the event store is overloaded: the append waited too long')),
        );
      } else if (pending && !streams.has(pending.streamId)) {
        streams.add(pending.streamId);
        batch.push(pending);
        queue.splice(index, 1);
      } else index += 1;
    }
    return batch;
  };

  let pumpScheduled = false;
  /** Pumps once the current turn of the event loop is over, so that the appends it issues go together. */
  const schedulePump = (): void => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      pump();
    });
  };

  const pump = (): void => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = take();
      if (batch.length === 0) continue;
      inFlight += 1;
      let counted = true;
      const release = () => {
        if (!counted) return;
        counted = false;
        inFlight -= 1;
        schedulePump();
      };
      const stalled = setTimeout(release, stallMs);
      stalled.unref?.();
      const sent = batch.length === 1 && batch[0] ? alone(batch[0]) : together(batch);
      void sent.finally(() => {
        clearTimeout(stalled);
        release();
      });
    }
  };

  return {
    append: (
      streamId: string,
      sealed: SealedEvents,
      options: AppendOptions,
    ): ResultAsync<AppendResult, EventStoreError> =>
      new ResultAsync(
        new Promise<Result<AppendResult, EventStoreError>>((settle) => {
          queue.push({ streamId, sealed, options, settle, queuedAt: performance.now() });
          // alone and nothing in flight: at once (no turn's wait for a caller who appends one at a time)
          if (inFlight === 0 && !pumpScheduled) pump();
          else schedulePump();
        }),
      ),
  };
};
