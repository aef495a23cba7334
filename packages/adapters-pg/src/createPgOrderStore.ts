import type { EventStore, IdempotencyStore, OrderQueries } from '@oms/domain';
import type pg from 'pg';
import type { AppendBatching } from './eventStore/appendBatch.js';
import { createPgEventStore } from './eventStore/pgEventStore.js';
import { createPgIdempotencyStore } from './idempotency/pgIdempotencyStore.js';
import type { KeyManagement } from './personalData/keyManagement.port.js';
import {
  createPersonalDataCipher,
  type PersonalDataCipher,
} from './personalData/personalDataCipher.js';
import { guardPool } from './pool.js';
import { createPgOrderQueries } from './projections/orderQueries.js';
import { createPgShopifyInbox, type PgShopifyInbox } from './shopify/pgShopifyInbox.js';

export interface PgOrderStore {
  readonly eventStore: EventStore;
  readonly idempotency: IdempotencyStore;
  readonly queries: OrderQueries;
  /** The Shopify webhook's delivery log (duplicates, parked payloads). */
  readonly shopifyInbox: PgShopifyInbox;
  /** The envelope encryption of personal data, when the store was given key management. */
  readonly cipher: PersonalDataCipher | undefined;
}

export interface PgOrderStoreOptions {
  /** A pool on a migrated database (`runMigrations`). An 'error' listener is added if it has none. */
  readonly pool: pg.Pool;
  /**
   * Encrypts the personal data of stored events with per-customer data keys wrapped by this master key (spec §7).
   * Without it, events are stored as given, and events stored encrypted read as erased.
   */
  readonly keyManagement?: KeyManagement | undefined;
  /** Unwrapped data keys kept in memory (default 10 000). */
  readonly dataKeyCacheSize?: number;
  /**
   * Group commit: concurrent appends of this process share one statement and one commit, at most
   * `maxInFlight` statements at once (appendBatch.ts). Off by default.
   */
  readonly appendBatching?: AppendBatching | undefined;
}

/** The PostgreSQL implementations of the domain's ports, sharing one pool. */
export const createPgOrderStore = ({
  pool,
  keyManagement,
  dataKeyCacheSize,
  appendBatching,
}: PgOrderStoreOptions): PgOrderStore => {
  guardPool(pool);
  const cipher = keyManagement
    ? createPersonalDataCipher({
        keyManagement,
        ...(dataKeyCacheSize === undefined ? {} : { cacheSize: dataKeyCacheSize }),
      })
    : undefined;
  return {
    cipher,
    eventStore: createPgEventStore(pool, cipher, appendBatching),
    idempotency: createPgIdempotencyStore(pool),
    queries: createPgOrderQueries(pool, cipher),
    shopifyInbox: createPgShopifyInbox(pool),
  };
};
