import { type NewEvent, PERSONAL_DATA_FIELDS } from '@oms/domain';
import type pg from 'pg';
import type { EventRow } from '../eventStore/rows.js';
import { ENVELOPE_FIELD, type PersonalDataCipher } from './personalDataCipher.js';

export interface EncryptionReport {
  /** Events whose personal values were encrypted by this run. */
  readonly encrypted: number;
  /** Data keys it created (one per customer without one yet). */
  readonly keys: number;
}

const PLAIN_SQL = `
SELECT global_position::text AS global_position, stream_id, stream_version, event_id, event_type, schema_version,
       data, metadata, occurred_at
  FROM oms_events
 WHERE event_type = ANY($1::text[]) AND NOT (data ? '${ENVELOPE_FIELD}') AND global_position > $2::bigint
 ORDER BY global_position LIMIT $3`;

/**
 * The one-off migration of events stored before encryption: their personal values are encrypted in place (each
 * event keeps its id, position and everything else), under the customer's data key. Plain events stay readable
 * without it; run it once, on a copy first (`CREATE DATABASE copy TEMPLATE live`), then on the live database. It
 * can run while the service writes and can be interrupted: it only picks events still plain.
 */
export const encryptPlainEvents = async (
  pool: pg.Pool,
  cipher: PersonalDataCipher,
  { batchSize = 500 }: { readonly batchSize?: number } = {},
): Promise<EncryptionReport> => {
  let encrypted = 0;
  let keys = 0;
  let after = '0';
  for (;;) {
    const batch = await pool.query<EventRow>(PLAIN_SQL, [
      Object.keys(PERSONAL_DATA_FIELDS),
      after,
      batchSize,
    ]);
    if (batch.rows.length === 0) break;
    after = batch.rows.at(-1)?.global_position ?? after;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const updates: { position: string; data: unknown }[] = [];
      for (const row of batch.rows) {
        const event: NewEvent = {
          eventId: row.event_id,
          type: row.event_type,
          schemaVersion: row.schema_version,
          data: row.data,
          metadata: row.metadata,
          occurredAt: row.occurred_at.toISOString(),
        };
        const sealed = await cipher.seal(client, row.stream_id, [event]);
        if (sealed.newKeys.length > 0)
          await client.query(
            `INSERT INTO oms_data_keys (key_id, subject_digest, wrapped_key, master_key_id)
             SELECT k.key_id, decode(k.subject_digest, 'base64'), decode(k.wrapped_key, 'base64'), k.master_key_id
               FROM jsonb_to_recordset($1::jsonb)
                 AS k(key_id text, subject_digest text, wrapped_key text, master_key_id text)`,
            [JSON.stringify(sealed.newKeys)],
          );
        // reused for the customer's next events in this batch; forgotten below if the batch rolls back
        sealed.committed();
        keys += sealed.newKeys.length;
        const data = sealed.events[0]?.data;
        if (data !== row.data) updates.push({ position: row.global_position, data });
      }
      const result = await client.query(
        `UPDATE oms_events AS e SET data = u.data
           FROM jsonb_to_recordset($1::jsonb) AS u(position bigint, data jsonb)
          WHERE e.global_position = u.position AND NOT (e.data ? '${ENVELOPE_FIELD}')`,
        [JSON.stringify(updates)],
      );
      await client.query('COMMIT');
      encrypted += result.rowCount ?? 0;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      cipher.forget();
      throw error;
    } finally {
      client.release();
    }
  }
  return { encrypted, keys };
};
