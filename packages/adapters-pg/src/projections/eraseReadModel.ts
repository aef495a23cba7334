import { ERASED, erasePersonalData } from '@oms/domain';
import type { Queryable } from '../pool.js';

/** The orders of a customer, by e-mail (the read model's index of the listing filter). */
export const ORDERS_OF_CUSTOMER_SQL =
  'SELECT id FROM oms_orders WHERE customer_email = $1 ORDER BY id';

/**
 * The read model of erased orders: the e-mail becomes "[erased]" (listing by it finds nothing), and the document's
 * names and addresses too; status, lines, totals and version stay.
 */
export const eraseReadModel = async (db: Queryable, orderIds: readonly string[]): Promise<void> => {
  if (orderIds.length === 0) return;
  const documents = await db.query<{ id: string; document: unknown }>(
    'SELECT id, document FROM oms_orders WHERE id = ANY($1::text[])',
    [orderIds],
  );
  const erased = documents.rows.map((row) => ({
    id: row.id,
    document: row.document === null ? null : erasePersonalData('order.created', row.document),
  }));
  await db.query(
    `UPDATE oms_orders AS o
        SET customer_email = $2,
            summary = jsonb_set(o.summary, '{customerEmail}', to_jsonb($2::text)),
            document = r.document
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, document jsonb)
      WHERE o.id = r.id`,
    [JSON.stringify(erased), ERASED],
  );
};
