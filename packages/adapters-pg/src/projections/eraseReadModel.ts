import { ERASED } from '@oms/domain';
import type { Queryable } from '../pool.js';

/** The orders of a customer, by e-mail (the read model's index of the listing filter). */
export const ORDERS_OF_CUSTOMER_SQL =
  'SELECT id::text AS id FROM oms_orders WHERE customer_email = $1 ORDER BY id';

/**
 * The read model of erased orders (migration 10's compact row holds only the e-mail of the personal data): it
 * becomes "[erased]", so listing by it finds nothing; status, totals and version stay. GET folds the stream, whose
 * events read as erased once the keys are gone.
 */
export const eraseReadModel = async (db: Queryable, orderIds: readonly string[]): Promise<void> => {
  if (orderIds.length === 0) return;
  await db.query(
    `UPDATE oms_orders SET customer_email = $2, customer_email_as_given = NULL WHERE id = ANY($1::uuid[])`,
    [orderIds, ERASED],
  );
};
