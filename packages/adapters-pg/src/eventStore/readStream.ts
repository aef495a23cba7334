import type { InfrastructureError, ReadStreamOptions, ReadStreamResult } from '@oms/domain';
import type { ResultAsync } from 'neverthrow';
import { attempt, type Queryable } from '../pool.js';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './rows.js';

const READ_STREAM_SQL = `
SELECT ${EVENT_COLUMNS}
  FROM oms_events
 WHERE stream_id = $1
   AND ($2::integer IS NULL OR stream_version <= $2::integer)
   AND ($3::timestamptz IS NULL OR occurred_at <= $3::timestamptz)
 ORDER BY stream_version`;

/** One stream's events, oldest first; `asOf` keeps the events that occurred at or before that time. */
export const readStream = (
  db: Queryable,
  streamId: string,
  options: ReadStreamOptions = {},
): ResultAsync<ReadStreamResult, InfrastructureError> =>
  attempt(() =>
    db.query<EventRow>({
      name: 'oms_read_stream_v1',
      text: READ_STREAM_SQL,
      values: [streamId, options.toVersion ?? null, options.asOf ?? null],
    }),
  ).map((result) => {
    const events = result.rows.map(toRecordedEvent);
    return { events, version: events.at(-1)?.streamVersion ?? 0 };
  });
