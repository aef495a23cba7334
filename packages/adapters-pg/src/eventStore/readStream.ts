import type { InfrastructureError, ReadStreamOptions, ReadStreamResult } from '@oms/domain';
import type { ResultAsync } from 'neverthrow';
import type { PersonalDataCipher } from '../personalData/personalDataCipher.js';
import { attempt, type Queryable } from '../pool.js';
import { openRows } from './openRows.js';
import { EVENT_COLUMNS, type EventRow, KEY_JOIN, KEYED_EVENT_COLUMNS } from './rows.js';

const FILTER = `
 WHERE e.stream_id = $1
   AND ($2::integer IS NULL OR e.stream_version <= $2::integer)
   AND ($3::timestamptz IS NULL
        OR e.stream_version <= (SELECT coalesce(max(stream_version), 0) FROM oms_events
                                 WHERE stream_id = $1 AND occurred_at <= $3::timestamptz))
 ORDER BY e.stream_version`;

const READ_STREAM_SQL = `SELECT ${EVENT_COLUMNS} FROM oms_events e${FILTER}`;
/** With key management: each event with its data key, so an erased key reads as erased in every process. */
const READ_STREAM_KEYED_SQL = `SELECT ${KEYED_EVENT_COLUMNS} FROM oms_events e ${KEY_JOIN}${FILTER}`;

/**
 * One stream's events, oldest first. `asOf` gives a prefix of the stream: every event up to the last one (in stream
 * order) that occurred at or before that time, so writers whose clocks differ never make it skip an event.
 */
export const readStream = (
  db: Queryable,
  streamId: string,
  options: ReadStreamOptions = {},
  cipher?: PersonalDataCipher,
): ResultAsync<ReadStreamResult, InfrastructureError> =>
  attempt(() =>
    db.query<EventRow>(
      cipher
        ? {
            name: 'oms_read_stream_keyed_v1',
            text: READ_STREAM_KEYED_SQL,
            values: [streamId, options.toVersion ?? null, options.asOf ?? null],
          }
        : {
            name: 'oms_read_stream_v3',
            text: READ_STREAM_SQL,
            values: [streamId, options.toVersion ?? null, options.asOf ?? null],
          },
    ),
  )
    .andThen((result) => openRows(result.rows, cipher))
    .map((events) => ({ events, version: events.at(-1)?.streamVersion ?? 0 }));
