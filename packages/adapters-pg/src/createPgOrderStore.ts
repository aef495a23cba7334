import type { EventStore, IdempotencyStore, OrderQueries } from '@oms/domain';
import type pg from 'pg';
import { createPgEventStore } from './eventStore/pgEventStore.js';
import { createPgIdempotencyStore } from './idempotency/pgIdempotencyStore.js';
import { guardPool } from './pool.js';
import { createPgOrderQueries } from './projections/orderQueries.js';
import { createPgShopifyInbox, type PgShopifyInbox } from './shopify/pgShopifyInbox.js';

export interface PgOrderStore {
  readonly eventStore: EventStore;
  readonly idempotency: IdempotencyStore;
  readonly queries: OrderQueries;
  /** The Shopify webhook's delivery log (duplicates, parked payloads). */
  readonly shopifyInbox: PgShopifyInbox;
}

export interface PgOrderStoreOptions {
  /** A pool on a migrated database (`runMigrations`). An 'error' listener is added if it has none. */
  readonly pool: pg.Pool;
}

/** The PostgreSQL implementations of the domain's ports, sharing one pool. */
export const createPgOrderStore = ({ pool }: PgOrderStoreOptions): PgOrderStore => {
  guardPool(pool);
  return {
    eventStore: createPgEventStore(pool),
    idempotency: createPgIdempotencyStore(pool),
    queries: createPgOrderQueries(pool),
    shopifyInbox: createPgShopifyInbox(pool),
  };
};
