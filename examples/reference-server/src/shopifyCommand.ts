import { createPgShopifyInbox } from '@oms/adapters-pg';
import type { Database } from './database.js';

/**
 * `pnpm oms shopify parked [limit]`: the Shopify deliveries that could not be mapped (newest first), one JSON line
 * each, with the reason and the payload as received.
 */
export const shopifyCommand = async (
  database: Database,
  [subcommand, limitText]: readonly (string | undefined)[],
  out: (value: unknown) => void,
): Promise<number> => {
  if (subcommand !== 'parked') {
    process.stderr.write('usage: pnpm oms shopify parked [limit]\n');
    return 2;
  }
  const limit = limitText === undefined ? 100 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1) {
    process.stderr.write('the limit must be a positive integer\n');
    return 2;
  }
  for (const delivery of await createPgShopifyInbox(database.pool).parked({ limit })) out(delivery);
  return 0;
};
