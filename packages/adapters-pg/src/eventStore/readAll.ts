import type { InfrastructureError, RecordedEvent } from '@oms/domain';
import type { ResultAsync } from 'neverthrow';
import { attempt, type Queryable } from '../pool.js';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './rows.js';

/**
 * Gap-free global reading: `oms_read_all` (positions.ts) returns only events below the lowest append still in
 * flight, so no event can later commit below a position already returned. Only appends hold it back: an idle or
 * prepared transaction that appended nothing, in this database or another, does not. It needs READ COMMITTED (its
 * read takes a snapshot after the barrier); inside a REPEATABLE READ transaction it fails with SQLSTATE OM002.
 */
const READ_ALL_SQL = `SELECT ${EVENT_COLUMNS} FROM oms_read_all($1::bigint, $2::integer) ORDER BY global_position`;

export const readAll = (
  db: Queryable,
  afterPosition: number,
  limit: number,
): ResultAsync<readonly RecordedEvent[], InfrastructureError> =>
  attempt(() =>
    db.query<EventRow>({
      name: 'oms_read_all_v2',
      text: READ_ALL_SQL,
      values: [Math.max(0, Math.trunc(afterPosition)), Math.max(0, limit)],
    }),
  ).map((result) => result.rows.map(toRecordedEvent));
