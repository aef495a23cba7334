export { acquireLease, type Lease } from './checkpoints/acquireLease.js';
export {
  type CheckpointErrorCode,
  CheckpointRefusedError,
  type CheckpointStore,
  createPgCheckpointStore,
} from './checkpoints/checkpointStore.js';
export {
  createPgParkedEventStore,
  type NewParkedEvent,
  type ParkedEvent,
  type ParkedEventStore,
  type ParkedStatus,
} from './checkpoints/parkedEventStore.js';
export {
  createPgOrderStore,
  type PgOrderStore,
  type PgOrderStoreOptions,
} from './createPgOrderStore.js';
export {
  type EmbeddedPostgresHandle,
  type EmbeddedPostgresOptions,
  findFreePort,
  startEmbeddedPostgres,
} from './embedded/startEmbeddedPostgres.js';
export { MAX_EVENTS_PER_APPEND } from './eventStore/appendToStream.js';
export { createPgEventStore } from './eventStore/pgEventStore.js';
export {
  type ReadBarrierBlocker,
  type ReadBarrierStatus,
  readBarrierStatus,
} from './eventStore/readBarrierStatus.js';
export { EVENT_COLUMNS, type EventRow, toRecordedEvent } from './eventStore/rows.js';
export {
  createPgIdempotencyStore,
  purgeExpiredIdempotencyKeys,
} from './idempotency/pgIdempotencyStore.js';
export { MIGRATIONS, type Migration } from './migrations/migrations.js';
export {
  MIGRATION_LOCK_KEY,
  type MigrationReport,
  runMigrations,
} from './migrations/runMigrations.js';
export { type EncryptionReport, encryptPlainEvents } from './personalData/encryptPlainEvents.js';
export { type Erasure, eraseCustomer } from './personalData/eraseCustomer.js';
export type { KeyManagement, WrappedDataKey } from './personalData/keyManagement.port.js';
export {
  createLocalKeyManagement,
  generateMasterKey,
  type LocalKeyManagementOptions,
  MasterKeyError,
  masterKeyId,
  parseMasterKey,
} from './personalData/localKeyManagement.js';
export {
  createPersonalDataCipher,
  type PersonalDataCipher,
  type PersonalDataCipherOptions,
} from './personalData/personalDataCipher.js';
export { type RotationReport, rotateMasterKey } from './personalData/rotateMasterKey.js';
export {
  type CreatePoolOptions,
  createPool,
  DEFAULT_SESSION_TIMEOUTS,
  guardPool,
  isConnectionError,
  pingDatabase,
  type Queryable,
  toInfrastructureError,
} from './pool.js';
export { buildListQuery, createPgOrderQueries } from './projections/orderQueries.js';
export { type RebuildReport, rebuildReadModels } from './projections/rebuildReadModels.js';
export {
  createPgShopifyInbox,
  type PgParkedShopifyDelivery,
  type PgShopifyDeliveryIds,
  type PgShopifyDeliveryRecord,
  type PgShopifyInbox,
} from './shopify/pgShopifyInbox.js';
export {
  createTestDatabase,
  databaseUrlFor,
  type TestDatabase,
} from './testing/createTestDatabase.js';
