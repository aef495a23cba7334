import type { InfrastructureError, ReadStreamOptions, ReadStreamResult } from '@oms/domain';
import type { ResultAsync } from 'neverthrow';
import { attempt, type Queryable } from '../pool.js';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './rows.js';

const READ_STREAM_SQL = `
SELECT ${EVENT_COLUMNS}
  FROM oms_events
 WHERE stream_id = $1
   AND ($2::integer IS NULL OR stream_version <= $2::integer)
   AND ($3::timestamptz IS NULL
        OR stream_version <= (SELECT coalesce(max(stream_version), 0) FROM oms_events
                               WHERE stream_id = $1 AND occurred_at <= $3::timestamptz))
 ORDER BY stream_version`;

/**
 * One stream's events, oldest first. `asOf` gives a prefix of the stream: every event up to the last one (in stream
 * order) that occurred at or before that time, so writers whose clocks differ never make it skip an event.
 */
export const readStream = (
  db: Queryable,
  streamId: string,
  options: ReadStreamOptions = {},
): ResultAsync<ReadStreamResult, InfrastructureError> =>
  attempt(() =>
    db.query<EventRow>({
      name: 'oms_read_stream_v2',
      text: READ_STREAM_SQL,
      values: [streamId, options.toVersion ?? null, options.asOf ?? null],
    }),
  ).map((result) => {
    const events = result.rows.map(toRecordedEvent);
    return { events, version: events.at(-1)?.streamVersion ?? 0 };
  });
