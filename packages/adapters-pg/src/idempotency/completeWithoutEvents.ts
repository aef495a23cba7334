import {
  type AppendOptions,
  type AppendResult,
  concurrencyConflict,
  type EventStoreError,
} from '@oms/domain';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { attempt, type Queryable } from '../pool.js';
import { completeIdempotencyCtes, isCompletedTwice } from './pgIdempotencyStore.js';

/**
 * The version check and the completion in one statement: the outcome is recorded only at the version it was decided
 * on, and not at all (the statement aborts) if the claim was taken over while it ran.
 */
const COMPLETE_AT_VERSION_SQL = `
WITH current AS (
  SELECT coalesce(max(stream_version), 0)::integer AS version FROM oms_events WHERE stream_id = $1
),
${completeIdempotencyCtes(
  { source: '$3', key: '$4', token: '$5', outcome: '$6' },
  '(SELECT version FROM current) = $2::integer',
)}
SELECT (SELECT version FROM current) AS version, (SELECT count(*) FROM unclaim)::integer AS completed,
       CASE WHEN (SELECT count(*) FROM idem) > (SELECT count(*) FROM unclaim)
            THEN oms_raise('OM001', 'idempotency key was taken over while its outcome was recorded')
            ELSE true END AS consistent`;

const STREAM_VERSION_SQL =
  'SELECT coalesce(max(stream_version), 0)::integer AS version FROM oms_events WHERE stream_id = $1';

const inFlight = (key: string): EventStoreError => ({
  code: 'idempotency-key-in-flight',
  message: `idempotency key ${key} is no longer held by this request`,
  key,
});

/**
 * An append of no events (a refusal or a no-op): checks the stream's version and, when asked, completes the
 * idempotency record with the outcome.
 */
export const appendWithoutEvents = (
  db: Queryable,
  streamId: string,
  options: AppendOptions,
): ResultAsync<AppendResult, EventStoreError> => {
  const held = options.idempotency;
  return attempt(() =>
    held
      ? db.query<{ version: number; completed: number }>({
          name: 'oms_idem_complete_v3',
          text: COMPLETE_AT_VERSION_SQL,
          values: [
            streamId,
            options.expectedVersion,
            held.key.source,
            held.key.key,
            held.token,
            JSON.stringify(held.outcome),
          ],
        })
      : db.query<{ version: number; completed: number }>(STREAM_VERSION_SQL, [streamId]),
  )
    .orElse((error): ResultAsync<never, EventStoreError> => {
      const cause = error.code === 'internal' ? (error.cause as { code?: unknown }) : undefined;
      if (held && (cause?.code === 'OM001' || isCompletedTwice(cause)))
        return errAsync(inFlight(held.key.key));
      return errAsync(error);
    })
    .andThen((result): ResultAsync<AppendResult, EventStoreError> => {
      const version = result.rows[0]?.version ?? 0;
      if (version !== options.expectedVersion)
        return errAsync(concurrencyConflict(options.expectedVersion, version));
      if (held && result.rows[0]?.completed !== 1) return errAsync(inFlight(held.key.key));
      return okAsync({ nextVersion: version, lastGlobalPosition: 0 });
    });
};
