import {
  type Clock,
  erasePersonalData,
  PERSONAL_DATA_ERASED,
  PERSONAL_DATA_FIELDS,
  privacyStreamId,
  systemClock,
  uuidv7,
} from '@oms/domain';
import type pg from 'pg';
import { appendToStream } from '../eventStore/appendToStream.js';
import { appendWithoutEvents } from '../idempotency/completeWithoutEvents.js';
import type { Queryable } from '../pool.js';
import { eraseReadModel, ORDERS_OF_CUSTOMER_SQL } from '../projections/eraseReadModel.js';
import type { PersonalDataCipher } from './personalDataCipher.js';
import { ENVELOPE_FIELD } from './personalDataCipher.js';
import { subjectDigest } from './subjectDigest.js';

export interface Erasure {
  /** Orders of this customer whose personal data is erased (all erasures of this e-mail, so a repeat answers the
   *  same). */
  readonly orders: number;
  /** Orders erased by this call (0 on a repeat). */
  readonly erasedNow: number;
}

const ERASURE_LOCK = 7_270_011;

const PLAIN_EVENTS_SQL = `
SELECT global_position::text AS position, event_type, data FROM oms_events
 WHERE stream_id = ANY($1::text[]) AND event_type = ANY($2::text[]) AND NOT (data ? '${ENVELOPE_FIELD}')`;

/** Events stored before encryption (or by a store without key management) cannot be shredded: they are rewritten. */
const erasePlainEvents = async (db: Queryable, orderIds: readonly string[]): Promise<void> => {
  const plain = await db.query<{ position: string; event_type: string; data: unknown }>(
    PLAIN_EVENTS_SQL,
    [orderIds, Object.keys(PERSONAL_DATA_FIELDS)],
  );
  const rewritten = plain.rows
    .map((row) => ({
      position: row.position,
      data: erasePersonalData(row.event_type, row.data),
      before: row.data,
    }))
    .filter((row) => JSON.stringify(row.data) !== JSON.stringify(row.before))
    .map(({ position, data }) => ({ position, data }));
  if (rewritten.length === 0) return;
  await db.query(
    `UPDATE oms_events AS e SET data = r.data
       FROM jsonb_to_recordset($1::jsonb) AS r(position bigint, data jsonb)
      WHERE e.global_position = r.position`,
    [JSON.stringify(rewritten)],
  );
};

/**
 * Raw Shopify deliveries naming the customer (any letter case): their payload is dropped (reason and ids stay).
 * The bytes are compared through `encode(…, 'escape')`, which reads any payload, valid UTF-8 or not.
 */
const eraseShopifyPayloads = async (db: Queryable, email: string): Promise<void> => {
  await db.query(
    `UPDATE oms_shopify_deliveries SET payload = NULL
      WHERE payload IS NOT NULL
        AND position(lower(encode(convert_to($1::text, 'UTF8'), 'escape')) IN lower(encode(payload, 'escape'))) > 0`,
    [email],
  );
};

/**
 * Erases a customer (spec §7): their data keys are destroyed (crypto-shredding: every event sealed with them reads
 * as erased, in every process, at once), plain events of theirs stored before encryption are rewritten erased,
 * the read model shows "[erased]" and no longer lists them by e-mail, raw Shopify payloads naming them are
 * dropped, and `order.personal_data_erased` is stored for each order (in `privacy-<orderId>`, so the order's own
 * stream and version stay) for the relay to publish on `oms.orders.privacy`. All in one transaction; idempotent.
 */
export const eraseCustomer = async (
  pool: pg.Pool,
  email: string,
  {
    cipher,
    clock = systemClock,
  }: { readonly cipher?: PersonalDataCipher | undefined; readonly clock?: Clock } = {},
): Promise<Erasure> => {
  const address = email.trim();
  const digest = subjectDigest(address);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      ERASURE_LOCK,
      digest.toString('hex'),
    ]);
    const orderIds = (
      await client.query<{ id: string }>(ORDERS_OF_CUSTOMER_SQL, [address.toLowerCase()])
    ).rows.map((row) => row.id);
    await client.query(
      `UPDATE oms_data_keys SET wrapped_key = NULL, master_key_id = NULL, erased_at = now()
        WHERE subject_digest = $1 AND wrapped_key IS NOT NULL`,
      [digest],
    );
    await erasePlainEvents(client, orderIds);
    await eraseReadModel(client, orderIds);
    await eraseShopifyPayloads(client, address);
    const erasedAt = clock.now().toISOString();
    for (const orderId of orderIds) {
      const appended = await appendToStream(
        client,
        privacyStreamId(orderId),
        [
          {
            eventId: uuidv7(),
            type: PERSONAL_DATA_ERASED,
            schemaVersion: 1,
            data: { orderId, erasedAt },
            metadata: { correlationId: uuidv7(), causationId: null, actor: 'privacy' },
            occurredAt: erasedAt,
          },
        ],
        { expectedVersion: 0 },
        (id, options) => appendWithoutEvents(client, id, options),
      );
      // a repeated erasure of the same order (after a rebuild gave it its e-mail back) stores nothing new
      if (appended.isErr() && appended.error.code !== 'concurrency-conflict')
        throw new Error(appended.error.message, { cause: appended.error });
    }
    const total = await client.query<{ orders: number }>(
      orderIds.length > 0
        ? `INSERT INTO oms_erasures (subject_digest, orders) VALUES ($1, $2)
           ON CONFLICT (subject_digest) DO UPDATE
             SET orders = oms_erasures.orders + EXCLUDED.orders, last_erased_at = now()
           RETURNING orders`
        : 'SELECT orders FROM oms_erasures WHERE subject_digest = $1 AND $2::integer = 0',
      [digest, orderIds.length],
    );
    await client.query('COMMIT');
    cipher?.forget();
    return { orders: total.rows[0]?.orders ?? 0, erasedNow: orderIds.length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};
