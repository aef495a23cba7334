import {
  type AppendOptions,
  type AppendResult,
  concurrencyConflict,
  type EventStore,
  type EventStoreError,
} from '@oms/domain';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { createPgIdempotencyStore } from '../idempotency/pgIdempotencyStore.js';
import { attempt, type Queryable } from '../pool.js';
import { appendToStream } from './appendToStream.js';
import { readAll } from './readAll.js';
import { readStream } from './readStream.js';

const STREAM_VERSION_SQL =
  'SELECT coalesce(max(stream_version), 0)::integer AS version FROM oms_events WHERE stream_id = $1';

export const createPgEventStore = (db: Queryable): EventStore => {
  const idempotency = createPgIdempotencyStore(db);

  /** No events: only the version check and, when asked, the idempotency completion. */
  const appendWithoutEvents = (
    streamId: string,
    options: AppendOptions,
  ): ResultAsync<AppendResult, EventStoreError> =>
    attempt(() => db.query<{ version: number }>(STREAM_VERSION_SQL, [streamId])).andThen(
      (result): ResultAsync<AppendResult, EventStoreError> => {
        const version = result.rows[0]?.version ?? 0;
        if (version !== options.expectedVersion)
          return errAsync(concurrencyConflict(options.expectedVersion, version));
        const done = okAsync<AppendResult, EventStoreError>({
          nextVersion: version,
          lastGlobalPosition: 0,
        });
        const key = options.idempotency;
        if (!key) return done;
        return idempotency
          .complete(key.key, key.token, key.response)
          .mapErr(
            (): EventStoreError => ({
              code: 'idempotency-key-in-flight',
              message: `idempotency key ${key.key} is no longer held by this request`,
              key: key.key,
            }),
          )
          .andThen(() => done);
      },
    );

  return {
    readStream: (streamId, options) => readStream(db, streamId, options),
    appendToStream: (streamId, events, options) =>
      appendToStream(db, streamId, events, options, appendWithoutEvents),
    readAll: (afterPosition, limit) => readAll(db, afterPosition, limit),
  };
};
