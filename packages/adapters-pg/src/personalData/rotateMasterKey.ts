import type pg from 'pg';
import type { KeyManagement } from './keyManagement.port.js';

export interface RotationReport {
  /** Data keys re-wrapped with the current master key by this run. */
  readonly rewrapped: number;
  /** Data keys still wrapped by a master key this key management does not know (left as they are). */
  readonly unknown: number;
}

interface KeyRow {
  readonly key_id: string;
  readonly wrapped_key: Buffer;
  readonly master_key_id: string;
}

/**
 * Master-key rotation without rewriting a single event: every data key wrapped by an older master key is unwrapped
 * and wrapped again by the current one. Give the key management the new master key as current and the old one(s)
 * as previous (`OMS_MASTER_KEY`, `OMS_PREVIOUS_MASTER_KEYS`); once this reports nothing left, the old key can go.
 * Safe to run while the service writes: each row is updated only if it still holds what was read.
 */
export const rotateMasterKey = async (
  pool: pg.Pool,
  keyManagement: KeyManagement,
  { batchSize = 500 }: { readonly batchSize?: number } = {},
): Promise<RotationReport> => {
  let rewrapped = 0;
  let after = '';
  for (;;) {
    const batch = await pool.query<KeyRow>(
      `SELECT key_id, wrapped_key, master_key_id FROM oms_data_keys
        WHERE wrapped_key IS NOT NULL AND master_key_id <> $1 AND key_id > $2
        ORDER BY key_id LIMIT $3`,
      [keyManagement.currentMasterKeyId, after, batchSize],
    );
    if (batch.rows.length === 0) break;
    after = batch.rows.at(-1)?.key_id ?? after;
    const updates = [];
    for (const row of batch.rows) {
      if (!keyManagement.knows(row.master_key_id)) continue;
      const raw = await keyManagement.unwrap({
        wrapped: row.wrapped_key,
        masterKeyId: row.master_key_id,
      });
      const wrapped = await keyManagement.wrap(raw);
      updates.push({
        key_id: row.key_id,
        old_master_key_id: row.master_key_id,
        wrapped_key: Buffer.from(wrapped.wrapped).toString('base64'),
        master_key_id: wrapped.masterKeyId,
      });
    }
    if (updates.length === 0) continue;
    const result = await pool.query(
      `UPDATE oms_data_keys AS k
          SET wrapped_key = decode(u.wrapped_key, 'base64'), master_key_id = u.master_key_id
         FROM jsonb_to_recordset($1::jsonb) AS u(key_id text, old_master_key_id text, wrapped_key text,
                                                 master_key_id text)
        WHERE k.key_id = u.key_id AND k.master_key_id = u.old_master_key_id AND k.wrapped_key IS NOT NULL`,
      [JSON.stringify(updates)],
    );
    rewrapped += result.rowCount ?? 0;
  }
  const left = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM oms_data_keys WHERE wrapped_key IS NOT NULL AND master_key_id <> $1`,
    [keyManagement.currentMasterKeyId],
  );
  return { rewrapped, unknown: left.rows[0]?.n ?? 0 };
};
