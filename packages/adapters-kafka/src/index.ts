export { type AsyncApiOptions, buildAsyncApiDocument } from './asyncapi/buildAsyncApiDocument.js';
export {
  DeadLetterHeadersSchema,
  InboundHeadersSchema,
  PublishedHeadersSchema,
} from './asyncapi/headers.js';
export {
  type ConsumerKafka,
  type ConsumerOptions,
  type ConsumerStats,
  createConsumer,
  deadLetterHeaders,
  type InboundConsumer,
  type InboundConsumerDeps,
} from './consumer/createConsumer.js';
export {
  type InboundMessage,
  type InboundOutcome,
  inboundIdempotencyKey,
  type ProcessInboundDeps,
  processInbound,
} from './consumer/processInbound.js';
export { traceProcess } from './consumer/traceProcess.js';
export type {
  AdminLike,
  CompressionName,
  KafkaLike,
  ProducerLike,
  TopicCreationOptions,
} from './kafkaPorts.js';
export { type BackoffOptions, backoffDelay } from './relay/backoff.js';
export {
  type CheckpointStore,
  createInMemoryCheckpointStore,
  createInMemoryLeases,
  isFenced,
  type Lease,
  type LeaseProvider,
} from './relay/checkpoint.port.js';
export {
  createRelay,
  DEFAULT_MAX_BATCH_BYTES,
  POSITION_HEADER,
  type PublishedBatch,
  type Relay,
  type RelayDeps,
  type RelayError,
  type RelayErrorCode,
  type RelayLag,
  type RelayOptions,
  type RelayStatus,
  type RunOnceResult,
  relayProducerConfig,
  STREAM_VERSION_HEADER,
} from './relay/createRelay.js';
export {
  createShardedRelay,
  type ShardedRelay,
  type ShardedRelayDeps,
} from './relay/createShardedRelay.js';
export {
  createKafkajsPublisher,
  DEFAULT_COMPRESS_MIN_BYTES,
  requestCompression,
} from './relay/kafkajsPublisher.js';
export { type MeasuredLag, measureRelayLag } from './relay/measureRelayLag.js';
export {
  createInMemoryParkingStore,
  type NewParkedEvent,
  type ParkedEvent,
  type ParkedStatus,
  type ParkingStore,
} from './relay/parking.port.js';
export type { ProducerThreadClient } from './relay/producerThread.protocol.js';
export {
  failedPartitions,
  type OutboundRecord,
  type PartitionResult,
  type RecordPublisher,
} from './relay/publisher.port.js';
export { type ReshardDeps, type ReshardOutcome, reshardRelay } from './relay/reshardRelay.js';
export { type RelayShard, shardName, shardOf } from './relay/shards.js';
export {
  createThreadedPublisher,
  type ProducerThreadLog,
  type ProducerThreadSettings,
  type ThreadedPublisherOptions,
} from './relay/threadedPublisher.js';
export { traceProducer, tracePublisher } from './relay/traceProducer.js';
export { formatTraceparent, parseTraceparent } from './tracing/traceparent.js';
