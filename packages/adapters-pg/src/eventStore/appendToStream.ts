import {
  type AppendOptions,
  type AppendResult,
  concurrencyConflict,
  type EventStoreError,
  type NewEvent,
  type OrderView,
  toOrderSummary,
} from '@oms/domain';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import { completeIdempotencySql, heldIdempotencySql } from '../idempotency/pgIdempotencyStore.js';
import {
  needsSealing,
  type PersonalDataCipher,
  type SealedEvents,
} from '../personalData/personalDataCipher.js';
import { attempt, type Queryable, toInfrastructureError } from '../pool.js';
import { EVENTS_PER_POSITION } from './positions.js';

/** Positions are `append number × 1024 + index` (positions.ts), so one append holds at most this many events. */
export const MAX_EVENTS_PER_APPEND = EVENTS_PER_POSITION;
const IDEMPOTENCY_TAKEN_OVER = 'OM001';
/** The idempotency parameters of APPEND_SQL: key $4, token $5, outcome $6, source $15. */
const IDEMPOTENCY_PARAMS = { source: '$15', key: '$4', token: '$5', outcome: '$6' } as const;

/**
 * The whole append in ONE statement (one round trip, one implicit transaction):
 * - `drawn` draws the append's number (positions.ts: registered, drawn, locked) when the append is allowed.
 * - `ins` inserts the events at expectedVersion+1.. when the stream is at expectedVersion (its event at that version
 *   exists, or expectedVersion is 0) and the idempotency key, if any, is still held by this token. A concurrent
 *   writer that got there first makes the unique (stream_id, stream_version) key fail: a concurrency conflict.
 * - `idem` completes the idempotency record with the outcome, if the events went in and the key is still held.
 * - `doc` upserts the order's summary row and document from the snapshot, if the events went in.
 * - `keys` inserts the data keys the append's personal data was encrypted with (new customers), if the events went
 *   in: a key exists exactly when events sealed with it do.
 * - the final SELECT aborts the statement (SQLSTATE OM001) when events went in but the key was taken over in the
 *   meantime, so events never exist without their key, nor a completed key without its events.
 */
const APPEND_SQL = `
WITH allowed AS (
  SELECT ($2::integer = 0
          OR EXISTS (SELECT 1 FROM oms_events WHERE stream_id = $1 AND stream_version = $2::integer))
     AND ($4::text IS NULL OR ${heldIdempotencySql(IDEMPOTENCY_PARAMS)}) AS ok
),
drawn AS MATERIALIZED (
  SELECT oms_next_position() AS base FROM allowed WHERE allowed.ok
),
ins AS (
  INSERT INTO oms_events (global_position, stream_id, stream_version, event_id, event_type, schema_version, data,
                          metadata, occurred_at)
  SELECT p.base + e.n, $1, $2::integer + e.n + 1,
         e.event_id, e.event_type, e.schema_version, e.data, e.metadata, e.occurred_at
    FROM drawn AS p
   CROSS JOIN jsonb_to_recordset($3::jsonb) AS e(n integer, event_id text, event_type text, schema_version integer,
                                                 data jsonb, metadata jsonb, occurred_at timestamptz)
  RETURNING global_position, stream_version
),
idem AS (${completeIdempotencySql(IDEMPOTENCY_PARAMS)}
     AND $4::text IS NOT NULL AND EXISTS (SELECT 1 FROM ins)
  RETURNING 1
),
doc AS (
  INSERT INTO oms_orders AS o (id, status, channel, customer_email, created_at, updated_at, version, summary,
                               document)
  SELECT $1, $7::text, $8::text, $9::text, $10::timestamptz, $11::timestamptz, $12::integer, $13::jsonb, $14::jsonb
   WHERE $14::jsonb IS NOT NULL AND EXISTS (SELECT 1 FROM ins)
  ON CONFLICT (id) DO UPDATE
     SET status = EXCLUDED.status, channel = EXCLUDED.channel, customer_email = EXCLUDED.customer_email,
         created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version,
         summary = EXCLUDED.summary, document = EXCLUDED.document
   WHERE o.version < EXCLUDED.version
  RETURNING 1
),
keys AS (
  INSERT INTO oms_data_keys (key_id, subject_digest, wrapped_key, master_key_id)
  SELECT k.key_id, decode(k.subject_digest, 'base64'), decode(k.wrapped_key, 'base64'), k.master_key_id
    FROM jsonb_to_recordset($16::jsonb) AS k(key_id text, subject_digest text, wrapped_key text, master_key_id text)
   WHERE EXISTS (SELECT 1 FROM ins)
  RETURNING 1
),
counts AS (
  SELECT (SELECT count(*) FROM ins) AS inserted,
         (SELECT max(global_position) FROM ins) AS last_position,
         (SELECT max(stream_version) FROM ins) AS next_version,
         (SELECT count(*) FROM idem) AS completed,
         (SELECT count(*) FROM doc) AS projected,
         (SELECT count(*) FROM keys) AS keyed
)
SELECT c.inserted::integer AS inserted, c.last_position::text AS last_position, c.next_version,
       (SELECT ok FROM allowed) AS allowed,
       (SELECT coalesce(max(stream_version), 0) FROM oms_events WHERE stream_id = $1) AS actual_version,
       CASE WHEN c.inserted > 0 AND $4::text IS NOT NULL AND c.completed = 0
            THEN oms_raise('${IDEMPOTENCY_TAKEN_OVER}', 'idempotency key was taken over during the append')
            ELSE true END AS consistent
  FROM counts c`;

interface AppendRow {
  readonly inserted: number;
  readonly last_position: string | null;
  readonly next_version: number | null;
  readonly allowed: boolean;
  readonly actual_version: number;
}

const isOrderView = (value: unknown): value is OrderView => {
  if (typeof value !== 'object' || value === null) return false;
  const view = value as Partial<OrderView>;
  return (
    typeof view.status === 'string' &&
    typeof view.channel === 'string' &&
    typeof view.createdAt === 'string' &&
    typeof view.updatedAt === 'string' &&
    typeof view.version === 'number' &&
    typeof view.customer?.email === 'string' &&
    Array.isArray(view.lines)
  );
};

/** The read-model parameters ($7..$14) from the snapshot, or nulls when there is no order snapshot. */
const readModelParameters = (snapshot: unknown): unknown[] => {
  if (!isOrderView(snapshot)) return [null, null, null, null, null, null, null, null];
  return [
    snapshot.status,
    snapshot.channel,
    snapshot.customer.email.toLowerCase(),
    snapshot.createdAt,
    snapshot.updatedAt,
    snapshot.version,
    JSON.stringify(toOrderSummary(snapshot)),
    JSON.stringify(snapshot),
  ];
};

const keyTakenOver = (key: string): EventStoreError => ({
  code: 'idempotency-key-in-flight',
  message: `idempotency key ${key} is no longer held by this request`,
  key,
});

const unsealed = (events: readonly NewEvent[]): SealedEvents => ({
  events,
  newKeys: [],
  committed: () => undefined,
});

/** The events with their personal values encrypted (when a cipher is given and they hold any). */
const seal = (
  db: Queryable,
  streamId: string,
  events: readonly NewEvent[],
  cipher: PersonalDataCipher | undefined,
): ResultAsync<SealedEvents, EventStoreError> =>
  cipher && needsSealing(events)
    ? ResultAsync.fromPromise(cipher.seal(db, streamId, events), (cause) =>
        toInfrastructureError(cause),
      )
    : okAsync(unsealed(events));

export const appendToStream = (
  db: Queryable,
  streamId: string,
  events: readonly NewEvent[],
  options: AppendOptions,
  appendWithoutEvents: (
    streamId: string,
    options: AppendOptions,
  ) => ResultAsync<AppendResult, EventStoreError>,
  cipher?: PersonalDataCipher,
): ResultAsync<AppendResult, EventStoreError> => {
  if (events.length === 0) return appendWithoutEvents(streamId, options);
  if (events.length > MAX_EVENTS_PER_APPEND)
    return errAsync({
      code: 'internal',
      message: `an append holds at most ${MAX_EVENTS_PER_APPEND} events`,
    });
  return seal(db, streamId, events, cipher).andThen((sealed) =>
    appendSealed(db, streamId, sealed, options).map((result) => {
      sealed.committed();
      return result;
    }),
  );
};

const appendSealed = (
  db: Queryable,
  streamId: string,
  { events, newKeys }: SealedEvents,
  options: AppendOptions,
): ResultAsync<AppendResult, EventStoreError> => {
  const payload = JSON.stringify(
    events.map((event, n) => ({
      n,
      event_id: event.eventId,
      event_type: event.type,
      schema_version: event.schemaVersion,
      data: event.data ?? null,
      metadata: event.metadata,
      occurred_at: event.occurredAt,
    })),
  );
  const idempotency = options.idempotency;
  return attempt(() =>
    db.query<AppendRow>({
      name: 'oms_append_v3',
      text: APPEND_SQL,
      values: [
        streamId,
        options.expectedVersion,
        payload,
        idempotency?.key.key ?? null,
        idempotency?.token ?? null,
        idempotency ? JSON.stringify(idempotency.outcome) : null,
        ...readModelParameters(options.snapshot),
        idempotency?.key.source ?? null,
        newKeys.length > 0 ? JSON.stringify(newKeys) : null,
      ],
    }),
  )
    .orElse((error): ResultAsync<never, EventStoreError> => {
      const cause = error.code === 'internal' ? error.cause : undefined;
      const { code: pgCode, constraint } = (cause ?? {}) as {
        code?: unknown;
        constraint?: unknown;
      };
      if (pgCode === '23505' && constraint === 'oms_events_stream_version_key')
        return errAsync(concurrencyConflict(options.expectedVersion, undefined));
      if (pgCode === '23505' && constraint === 'oms_events_pkey')
        return errAsync(
          toInfrastructureError(
            new Error(
              'global position already taken: the position sequence is behind the stored events (run the migrations)',
            ),
          ),
        );
      if (pgCode === IDEMPOTENCY_TAKEN_OVER && idempotency)
        return errAsync(keyTakenOver(idempotency.key.key));
      return errAsync(error);
    })
    .andThen((result): ResultAsync<AppendResult, EventStoreError> => {
      const row = result.rows[0];
      if (!row) return errAsync(toInfrastructureError(new Error('append returned no row')));
      if (row.inserted === 0) {
        if (idempotency && row.actual_version === options.expectedVersion)
          return errAsync(keyTakenOver(idempotency.key.key));
        return errAsync(concurrencyConflict(options.expectedVersion, row.actual_version));
      }
      return okAsync({
        nextVersion: row.next_version ?? options.expectedVersion + events.length,
        lastGlobalPosition: Number(row.last_position),
      });
    });
};
