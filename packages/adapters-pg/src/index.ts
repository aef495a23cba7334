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
export type { AppendBatching } from './eventStore/appendBatch.js';
export { MAX_EVENTS_PER_APPEND } from './eventStore/appendToStream.js';
export {
  type PartitionEventsReport,
  partitionEvents,
} from './eventStore/partitionEvents.js';
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
  withoutNamedStatements,
} from './pool.js';
export { buildListQuery, createPgOrderQueries } from './projections/orderQueries.js';
export { type RebuildReport, rebuildReadModels } from './projections/rebuildReadModels.js';
export { isLsn, lsnToBigInt } from './replica/lsn.js';
export {
  createReadRouting,
  type ReadReason,
  type ReadRouting,
  type ReadRoutingOptions,
  type ReadSource,
} from './replica/readRouting.js';
export type { ReplicaStatus } from './replica/replicaMonitor.js';
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
export { type LocalCluster, startLocalCluster } from './testing/startLocalCluster.js';
export { type PgBouncer, type PgBouncerOptions, startPgBouncer } from './testing/startPgBouncer.js';
export { type ScaleHarness, startScaleHarness } from './testing/startScaleHarness.js';
export { startStreamingReplica, waitForReplay } from './testing/startStreamingReplica.js';
export { type QuerySummary, summarizeQuery } from './tracing/querySummary.js';
export { type TracePoolOptions, tracePool } from './tracing/tracePool.js';
