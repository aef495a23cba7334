import type { InfrastructureError, RecordedEvent } from '@oms/domain';
import type { ResultAsync } from 'neverthrow';
import type { PersonalDataCipher } from '../personalData/personalDataCipher.js';
import { attempt, type Queryable } from '../pool.js';
import { openRows } from './openRows.js';
import { EVENT_COLUMNS, type EventRow, KEY_JOIN, KEYED_EVENT_COLUMNS } from './rows.js';

/**
 * Gap-free global reading: `oms_read_all` (positions.ts) returns only events below the lowest append still in
 * flight, so no event can later commit below a position already returned. Only appends hold it back: an idle or
 * prepared transaction that appended nothing, in this database or another, does not. It needs READ COMMITTED (its
 * read takes a snapshot after the barrier); inside a REPEATABLE READ transaction it fails with SQLSTATE OM002.
 */
const READ_ALL_SQL = `SELECT ${EVENT_COLUMNS} FROM oms_read_all($1::bigint, $2::integer) ORDER BY global_position`;
/**
 * With key management, each event comes with its data key: an event of a customer erased before this read reads
 * as erased (the relay never publishes the personal data of an already-erased customer, even from a backlog).
 */
const READ_ALL_KEYED_SQL = `
SELECT ${KEYED_EVENT_COLUMNS} FROM oms_read_all($1::bigint, $2::integer) e ${KEY_JOIN}
 ORDER BY e.global_position`;

export const readAll = (
  db: Queryable,
  afterPosition: number,
  limit: number,
  cipher?: PersonalDataCipher,
): ResultAsync<readonly RecordedEvent[], InfrastructureError> => {
  const values = [Math.max(0, Math.trunc(afterPosition)), Math.max(0, limit)];
  return attempt(() =>
    db.query<EventRow>(
      cipher
        ? { name: 'oms_read_all_keyed_v1', text: READ_ALL_KEYED_SQL, values }
        : { name: 'oms_read_all_v2', text: READ_ALL_SQL, values },
    ),
  ).andThen((result) => openRows(result.rows, cipher));
};
