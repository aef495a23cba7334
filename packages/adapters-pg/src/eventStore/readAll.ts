import type { InfrastructureError, RecordedEvent } from '@oms/domain';
import type { ResultAsync } from 'neverthrow';
import { attempt, type Queryable } from '../pool.js';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './rows.js';

/**
 * Gap-free global reading.
 *
 * A sequence-assigned position can commit out of order: T1 takes position 10, T2 takes 11 and commits first; a
 * reader that returned 11 and moved its checkpoint past 10 would never see T1's event. So:
 *
 * 1. Every append stores its transaction id (`pg_current_xact_id()`, xid8) and takes its positions from it:
 *    `global_position = xid × 1024 + index in the append`. Position order is therefore transaction-id order.
 * 2. The reader returns only rows whose transaction is older than `pg_snapshot_xmin(pg_current_snapshot())`, the
 *    oldest transaction still running. Every transaction below that horizon has finished, so the set of rows
 *    below it is final: no row can later appear with a smaller position than one already returned.
 *
 * Ordering by a plain sequence and filtering on xmin is not enough on its own (a transaction can hold an older xid
 * yet draw a later sequence value); deriving the position from the xid closes that hole. Cost: a long-running
 * writing transaction anywhere on the server delays (never loses) what readers see.
 */
const READ_ALL_SQL = `
SELECT ${EVENT_COLUMNS}
  FROM oms_events
 WHERE global_position > $1::bigint
   AND global_position < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 10)
   AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
 ORDER BY global_position
 LIMIT $2`;

export const readAll = (
  db: Queryable,
  afterPosition: number,
  limit: number,
): ResultAsync<readonly RecordedEvent[], InfrastructureError> =>
  attempt(() =>
    db.query<EventRow>({
      name: 'oms_read_all_v1',
      text: READ_ALL_SQL,
      values: [Math.max(0, Math.trunc(afterPosition)), Math.max(0, limit)],
    }),
  ).map((result) => result.rows.map(toRecordedEvent));
