import { isOrder, stateFromEvents, toOrderSummary, toOrderView } from '@oms/domain';
import type pg from 'pg';
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from '../eventStore/rows.js';

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
INSERT INTO oms_orders AS o (id, status, channel, customer_email, created_at, updated_at, version, summary, document)
SELECT r.id, r.status, r.channel, r.customer_email, r.created_at, r.updated_at, r.version, r.summary, r.document
  FROM jsonb_to_recordset($1::jsonb) AS r(id text, status text, channel text, customer_email text,
                                          created_at timestamptz, updated_at timestamptz, version integer,
                                          summary jsonb, document jsonb)
ON CONFLICT (id) DO UPDATE
   SET status = EXCLUDED.status, channel = EXCLUDED.channel, customer_email = EXCLUDED.customer_email,
       created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version,
       summary = EXCLUDED.summary, document = EXCLUDED.document
 WHERE o.version <= EXCLUDED.version`;

const REMOVE_ORPHANS_SQL = `
DELETE FROM oms_orders o WHERE NOT EXISTS (SELECT 1 FROM oms_events e WHERE e.stream_id = o.id)`;

/**
 * Recomputes the order read model (summary rows and documents) from the events, stream by stream, in batches.
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
      const state = stateFromEvents(list.map(toRecordedEvent));
      if (!isOrder(state)) continue;
      const view = toOrderView(state);
      rows.push({
        id,
        status: view.status,
        channel: view.channel,
        customer_email: view.customer.email.toLowerCase(),
        created_at: view.createdAt,
        updated_at: view.updatedAt,
        version: view.version,
        summary: toOrderSummary(view),
        document: view,
      });
    }
    if (rows.length > 0) await pool.query(UPSERT_SQL, [JSON.stringify(rows)]);
    orders += rows.length;
  }
  const removed = await pool.query(REMOVE_ORPHANS_SQL);
  return { streams, orders, removed: removed.rowCount ?? 0 };
};
