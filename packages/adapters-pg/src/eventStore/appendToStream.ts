import {
  type AppendOptions,
  type AppendResult,
  concurrencyConflict,
  type EventStoreError,
  type InfrastructureError,
  type NewEvent,
  type OrderView,
} from '@oms/domain';
import { err, errAsync, ok, okAsync, type Result, ResultAsync } from 'neverthrow';
import {
  completeIdempotencyCtes,
  heldIdempotencySql,
  isCompletedTwice,
} from '../idempotency/pgIdempotencyStore.js';
import {
  needsSealing,
  type PersonalDataCipher,
  type SealedEvents,
} from '../personalData/personalDataCipher.js';
import { attempt, type Queryable, toInfrastructureError } from '../pool.js';
import { isUuid, type OrderRow, toOrderRow } from '../projections/orderRow.js';
import { isPositionKey, isStreamVersionKey } from './partitionEvents.js';
import { EVENTS_PER_POSITION } from './positions.js';

/** Positions are `append number × 1024 + index` (positions.ts), so one append holds at most this many events. */
export const MAX_EVENTS_PER_APPEND = EVENTS_PER_POSITION;
const IDEMPOTENCY_TAKEN_OVER = 'OM001';
/** The idempotency parameters of APPEND_SQL: key $4, token $5, outcome $6, source $7. */
const IDEMPOTENCY_PARAMS = { source: '$7', key: '$4', token: '$5', outcome: '$6' } as const;

/**
 * The whole append in ONE statement (one round trip, one implicit transaction):
 * - `drawn` draws the append's number (positions.ts: registered, drawn, locked) when the append is allowed.
 * - `ins` inserts the events at expectedVersion+1.. when the stream is at expectedVersion (its event at that version
 *   exists, or expectedVersion is 0) and the idempotency key, if any, is still held by this token. A concurrent
 *   writer that got there first makes the unique (stream_id, stream_version) key fail: a concurrency conflict.
 * - `idem`/`unclaim` insert the idempotency record with the outcome and delete the claim, if the events went in and
 *   the claim is still held (pgIdempotencyStore.ts).
 * - `upd`/`doc` write the order's compact read-model row ($8..$21) (orderRow.ts) from the snapshot, if the events went in: a
 *   create inserts it (a plain INSERT: no speculative insertion), a later append updates it in place (HOT when no
 *   indexed column changes), or inserts it if it is missing (a rebuild will have put it back otherwise).
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
${completeIdempotencyCtes(IDEMPOTENCY_PARAMS, '$4::text IS NOT NULL AND EXISTS (SELECT 1 FROM ins)')},
upd AS (
  UPDATE oms_orders AS o
     SET status = $8::text, channel = $9::text, payment_status = $10::text, on_hold = $11::boolean,
         customer_email = $12::text, customer_email_as_given = $13::text, created_at = $14::timestamptz,
         updated_at = $15::timestamptz, version = $16::integer, line_count = $17::integer, order_total = $18::text,
         currency_code = $19::text, external_id = $20::text
   WHERE o.id = $21::uuid AND $8::text IS NOT NULL AND $2::integer > 0 AND o.version < $16::integer
     AND EXISTS (SELECT 1 FROM ins)
  RETURNING 1
),
doc AS (
  INSERT INTO oms_orders (id, status, channel, payment_status, on_hold, customer_email, customer_email_as_given,
                          created_at, updated_at, version, line_count, order_total, currency_code, external_id)
  SELECT $21::uuid, $8::text, $9::text, $10::text, $11::boolean, $12::text, $13::text, $14::timestamptz, $15::timestamptz,
         $16::integer, $17::integer, $18::text, $19::text, $20::text
   WHERE $21::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM ins)
     AND ($2::integer = 0 OR NOT EXISTS (SELECT 1 FROM oms_orders WHERE id = $21::uuid))
  RETURNING 1
),
keys AS (
  INSERT INTO oms_data_keys (key_id, subject_digest, wrapped_key, master_key_id)
  SELECT k.key_id, decode(k.subject_digest, 'base64'), decode(k.wrapped_key, 'base64'), k.master_key_id
    FROM jsonb_to_recordset($22::jsonb) AS k(key_id text, subject_digest text, wrapped_key text, master_key_id text)
   WHERE EXISTS (SELECT 1 FROM ins)
  RETURNING 1
),
counts AS (
  SELECT (SELECT count(*) FROM ins) AS inserted,
         (SELECT max(global_position) FROM ins) AS last_position,
         (SELECT max(stream_version) FROM ins) AS next_version,
         (SELECT count(*) FROM unclaim) AS completed,
         (SELECT count(*) FROM upd) + (SELECT count(*) FROM doc) AS projected,
         (SELECT count(*) FROM keys) AS keyed
)
SELECT c.inserted::integer AS inserted, c.last_position::text AS last_position, c.next_version,
       (SELECT ok FROM allowed) AS allowed,
       (SELECT coalesce(max(stream_version), 0) FROM oms_events WHERE stream_id = $1) AS actual_version,
       CASE WHEN c.inserted > 0 AND $4::text IS NOT NULL AND c.completed = 0
            THEN oms_raise('${IDEMPOTENCY_TAKEN_OVER}', 'idempotency key was taken over during the append')
            ELSE true END AS consistent
  FROM counts c`;

export interface AppendRow {
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

/** The order's compact read-model row from the snapshot, or undefined when there is no order snapshot or the stream
 * is not an order's (orders are UUIDs; the row's id is a uuid, passed apart from the stream id so that no cast can
 * fail). */
export const readModelRow = (streamId: string, snapshot: unknown): OrderRow | undefined =>
  isOrderView(snapshot) && isUuid(streamId) ? { ...toOrderRow(snapshot), id: streamId } : undefined;

/** The read-model parameters ($8..$21) of APPEND_SQL: the row's columns, or nulls. */
const readModelParameters = (row: OrderRow | undefined): unknown[] =>
  row
    ? [
        row.status,
        row.channel,
        row.payment_status,
        row.on_hold,
        row.customer_email,
        row.customer_email_as_given,
        row.created_at,
        row.updated_at,
        row.version,
        row.line_count,
        row.order_total,
        row.currency_code,
        row.external_id,
        row.id,
      ]
    : Array.from({ length: 14 }, () => null);

/** The events as the append statements read them (`jsonb_to_recordset`): `n` is the index in the append. */
export const eventRecords = (events: readonly NewEvent[]) =>
  events.map((event, n) => ({
    n,
    event_id: event.eventId,
    event_type: event.type,
    schema_version: event.schemaVersion,
    data: event.data ?? null,
    metadata: event.metadata,
    occurred_at: event.occurredAt,
  }));

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
  /** Sends the sealed events (default: one statement of their own; a batcher groups them with others). */
  send: SendSealed = appendSealed,
): ResultAsync<AppendResult, EventStoreError> => {
  if (events.length === 0) return appendWithoutEvents(streamId, options);
  if (events.length > MAX_EVENTS_PER_APPEND)
    return errAsync({
      code: 'internal',
      message: `an append holds at most ${MAX_EVENTS_PER_APPEND} events`,
    });
  return seal(db, streamId, events, cipher).andThen((sealed) =>
    send(db, streamId, sealed, options).map((result) => {
      sealed.committed();
      return result;
    }),
  );
};

export type SendSealed = (
  db: Queryable,
  streamId: string,
  sealed: SealedEvents,
  options: AppendOptions,
) => ResultAsync<AppendResult, EventStoreError>;

/** The outcome of one append from its row of the statement's answer (the same for one append or a batch). */
export const toAppendResult = (
  row: AppendRow | undefined,
  options: AppendOptions,
  eventCount: number,
): Result<AppendResult, EventStoreError> => {
  if (!row) return err(toInfrastructureError(new Error('append returned no row')));
  if (row.inserted === 0) {
    if (options.idempotency && row.actual_version === options.expectedVersion)
      return err(keyTakenOver(options.idempotency.key.key));
    return err(concurrencyConflict(options.expectedVersion, row.actual_version));
  }
  return ok({
    nextVersion: row.next_version ?? options.expectedVersion + eventCount,
    lastGlobalPosition: Number(row.last_position),
  });
};

/** One append's statement failing: a race lost on the stream's version, a key taken over, or the database's error. */
const toAppendFailure = (error: InfrastructureError, options: AppendOptions): EventStoreError => {
  const cause = error.code === 'internal' ? error.cause : undefined;
  const { code: pgCode, constraint } = (cause ?? {}) as { code?: unknown; constraint?: unknown };
  if (pgCode === '23505' && isStreamVersionKey(constraint))
    return concurrencyConflict(options.expectedVersion, undefined);
  if (pgCode === '23505' && isPositionKey(constraint))
    return toInfrastructureError(
      new Error(
        'global position already taken: the position sequence is behind the stored events (run the migrations)',
      ),
    );
  if ((pgCode === IDEMPOTENCY_TAKEN_OVER || isCompletedTwice(cause)) && options.idempotency)
    return keyTakenOver(options.idempotency.key.key);
  return error;
};

/** One append in one statement (APPEND_SQL). */
export const appendSealed = (
  db: Queryable,
  streamId: string,
  { events, newKeys }: SealedEvents,
  options: AppendOptions,
): ResultAsync<AppendResult, EventStoreError> => {
  const idempotency = options.idempotency;
  return attempt(() =>
    db.query<AppendRow>({
      name: 'oms_append_v4',
      text: APPEND_SQL,
      values: [
        streamId,
        options.expectedVersion,
        JSON.stringify(eventRecords(events)),
        idempotency?.key.key ?? null,
        idempotency?.token ?? null,
        idempotency ? JSON.stringify(idempotency.outcome) : null,
        idempotency?.key.source ?? null,
        ...readModelParameters(readModelRow(streamId, options.snapshot)),
        newKeys.length > 0 ? JSON.stringify(newKeys) : null,
      ],
    }),
  )
    .mapErr((error) => toAppendFailure(error, options))
    .andThen((result) => toAppendResult(result.rows[0], options, events.length));
};
