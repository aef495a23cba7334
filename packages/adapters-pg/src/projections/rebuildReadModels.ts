import { isOrder, stateFromEvents, toOrderView } from '@oms/domain';
import type pg from 'pg';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from '../eventStore/rows.js';
import { isUuid, toOrderRow } from './orderRow.js';

export interface RebuildReport {
  readonly streams: number;
  readonly orders: number;
  readonly removed: number;
}

const STREAM_BATCH_SQL = `
SELECT stream_id FROM oms_events
 WHERE stream_version = 1 AND stream_id > $1
 ORDER BY stream_id LIMIT $2`;

const EVENTS_SQL = `
SELECT ${EVENT_COLUMNS} FROM oms_events
 WHERE stream_id = ANY($1::text[])
 ORDER BY stream_id, stream_version`;

const UPSERT_SQL = `
INSERT INTO oms_orders AS o (id, status, channel, payment_status, on_hold, customer_email, customer_email_as_given,
                             created_at, updated_at, version, line_count, order_total, currency_code, external_id)
SELECT r.id, r.status, r.channel, r.payment_status, r.on_hold, r.customer_email, r.customer_email_as_given,
       r.created_at, r.updated_at, r.version, r.line_count, r.order_total, r.currency_code, r.external_id
  FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, status text, channel text, payment_status text, on_hold boolean,
                                          customer_email text, customer_email_as_given text, created_at timestamptz,
                                          updated_at timestamptz, version integer, line_count integer,
                                          order_total text, currency_code text, external_id text)
ON CONFLICT (id) DO UPDATE
   SET status = EXCLUDED.status, channel = EXCLUDED.channel, payment_status = EXCLUDED.payment_status,
       on_hold = EXCLUDED.on_hold, customer_email = EXCLUDED.customer_email,
       customer_email_as_given = EXCLUDED.customer_email_as_given, created_at = EXCLUDED.created_at,
       updated_at = EXCLUDED.updated_at, version = EXCLUDED.version, line_count = EXCLUDED.line_count,
       order_total = EXCLUDED.order_total, currency_code = EXCLUDED.currency_code, external_id = EXCLUDED.external_id
 WHERE o.version <= EXCLUDED.version`;

const REMOVE_ORPHANS_SQL = `
DELETE FROM oms_orders o WHERE NOT EXISTS (SELECT 1 FROM oms_events e WHERE e.stream_id = o.id::text)`;

/**
 * Recomputes the order read model (the compact listing rows, orderRow.ts) from the events, stream by stream, in batches.
 * It upserts instead of truncating, so the service keeps running: an inline write of a newer version is never
 * overwritten by an older fold. Rows without events are removed.
 */
export const rebuildReadModels = async (
  pool: pg.Pool,
  { batchSize = 500 }: { readonly batchSize?: number } = {},
): Promise<RebuildReport> => {
  let after = '';
  let streams = 0;
  let orders = 0;
  for (;;) {
    const batch = await pool.query<{ stream_id: string }>(STREAM_BATCH_SQL, [after, batchSize]);
    const ids = batch.rows.map((row) => row.stream_id);
    if (ids.length === 0) break;
    after = ids.at(-1) ?? after;
    streams += ids.length;
    const events = await pool.query<EventRow>(EVENTS_SQL, [ids]);
    const byStream = new Map<string, EventRow[]>();
    for (const row of events.rows) {
      const list = byStream.get(row.stream_id) ?? [];
      list.push(row);
      byStream.set(row.stream_id, list);
    }
    const rows = [];
    for (const [id, list] of byStream) {
      if (!isUuid(id)) continue;
      const state = stateFromEvents(list.map(toRecordedEvent));
      if (!isOrder(state)) continue;
      rows.push(toOrderRow(toOrderView(state)));
    }
    if (rows.length > 0) await pool.query(UPSERT_SQL, [JSON.stringify(rows)]);
    orders += rows.length;
  }
  const removed = await pool.query(REMOVE_ORPHANS_SQL);
  return { streams, orders, removed: removed.rowCount ?? 0 };
};
