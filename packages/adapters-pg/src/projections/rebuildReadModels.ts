import {
  isOrder,
  type RecordedEvent,
  stateFromEvents,
  toOrderSummary,
  toOrderView,
} from '@oms/domain';
import type pg from 'pg';
import { openRows } from '../eventStore/openRows.js';
import { type EventRow, KEY_JOIN, KEYED_EVENT_COLUMNS } from '../eventStore/rows.js';
import type { PersonalDataCipher } from '../personalData/personalDataCipher.js';

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
SELECT ${KEYED_EVENT_COLUMNS} FROM oms_events e ${KEY_JOIN}
 WHERE e.stream_id = ANY($1::text[])
 ORDER BY e.stream_id, e.stream_version`;

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
 * overwritten by an older fold. Rows without events are removed. Give it the store's cipher when personal data
 * is encrypted: without it, those orders are rebuilt as erased.
 */
export const rebuildReadModels = async (
  pool: pg.Pool,
  {
    batchSize = 500,
    cipher,
  }: { readonly batchSize?: number; readonly cipher?: PersonalDataCipher | undefined } = {},
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
    const read = await pool.query<EventRow>(EVENTS_SQL, [ids]);
    const opened = await openRows(read.rows, cipher);
    if (opened.isErr()) throw new Error(opened.error.message, { cause: opened.error });
    const byStream = new Map<string, RecordedEvent[]>();
    for (const event of opened.value) {
      const list = byStream.get(event.streamId) ?? [];
      list.push(event);
      byStream.set(event.streamId, list);
    }
    const rows = [];
    for (const [id, list] of byStream) {
      const state = stateFromEvents(list);
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
