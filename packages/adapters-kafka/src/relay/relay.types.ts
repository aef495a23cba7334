import type { EventStore } from '@oms/domain';
import type { ProducerConfig } from 'kafkajs';
import type { ResultAsync } from 'neverthrow';
import type {
  CompressionName,
  KafkaLike,
  ProducerLike,
  TopicCreationOptions,
} from '../kafkaPorts.js';
import type { BackoffOptions } from './backoff.js';
import type { CheckpointStore, LeaseProvider } from './checkpoint.port.js';
import type { ParkingStore } from './parking.port.js';
import type { RecordPublisher } from './publisher.port.js';
import type { RelayShard } from './shards.js';
import type { ProducerThreadSettings } from './threadedPublisher.js';

/** Kafka's default `message.max.bytes` (1 MiB plus a record batch's overhead). */
export const DEFAULT_MAX_BATCH_BYTES = 1_048_588;

export interface RelayOptions {
  /** Checkpoint and lease name (default `oms-relay`; a shard's is `<name>/shard-<index>-of-<count>`). */
  readonly name?: string;
  /**
   * Publish only the orders of this shard (`shardOf(orderId, count) === index`): several relays, each with its own
   * lease and checkpoint, publish in parallel. Default: every order (one shard).
   */
  readonly shard?: RelayShard;
  /** Publish nothing past this global position (`reshardRelay` drains the old shards to one position with it). */
  readonly stopAt?: number;
  /** Read and map the next batch while the broker acknowledges the current one (default true). */
  readonly prefetch?: boolean;
  /** Stored events read and published per batch (default 2000: a backlog drains about a quarter faster than at 500). */
  readonly batchSize?: number;
  /**
   * The broker's `message.max.bytes` (or the topics' `max.message.bytes`), default 1,048,588: a batch is split so
   * that no topic gets more than this in one request (a partition's record batch stays below it, whatever the
   * partitioner does); an event with a message above it alone is parked.
   */
  readonly maxBatchBytes?: number;
  /** When fewer than `batchSize` events are waiting, wait this long for more before publishing (default 0). */
  readonly lingerMs?: number;
  /** How often an idle relay looks for new events; `wake()` cuts the wait short (default 20 ms). */
  readonly pollIntervalMs?: number;
  /** Idempotent producer (default true; librdkafka's mock cluster needs a proxy for it, see the README). */
  readonly idempotent?: boolean;
  /** Compression of produced batches (default gzip). */
  readonly compression?: CompressionName;
  /**
   * Requests smaller than this (the characters of their records' keys and values: their bytes, for ASCII JSON) are
   * sent uncompressed (default 16 KiB; 0 compresses every request): the few messages a relay that keeps up sends at
   * a time gain little from compression and wait for it, a backlog's large requests are compressed.
   */
  readonly compressMinBytes?: number;
  /** Create the published topics at start-up (default true). Creation failures are reported, not fatal. */
  readonly createTopics?: boolean | TopicCreationOptions;
  /**
   * Whether the broker may create a missing topic on first use (default true). Either way a topic that is still
   * missing at start-up stops the relay with status `failed` and one `topic-missing` error naming it (checked again
   * every `topicCheckRetryMs`), rather than a produce retried forever.
   */
  readonly autoCreateTopics?: boolean;
  /** How often a relay stopped by a missing topic looks again (default 30 s). */
  readonly topicCheckRetryMs?: number;
  /** Broker acknowledgement timeout of one batch (default 30 s). */
  readonly sendTimeoutMs?: number;
  /** Backoff while the broker or the store is unreachable (default 100 ms doubling up to 10 s, with jitter). */
  readonly backoff?: BackoffOptions;
  /**
   * Order states kept between batches so that a stream need not be re-read (default 4,000: two batches of new
   * orders; a folded order with its decimals weighs around 10 KB, so the cache stays near 40 MB).
   */
  readonly stateCacheSize?: number;
  /** Streams read at once to rebuild the state before a batch (default 8). */
  readonly readConcurrency?: number;
  /** How often a standby relay retries the lease (default 5 s). */
  readonly leaseRetryMs?: number;
  /**
   * How long a relay that takes the lease over from one that died or lost it waits before publishing (default
   * `sendTimeoutMs`, 30 s): the old relay's last produce may still be on its way, and it must land (or fail)
   * before the new holder publishes the same orders' later events. Not waited after a clean stop.
   */
  readonly takeoverDelayMs?: number;
  /** How often the relay looks for an operator's retry/skip of a parked event (default 1 s). */
  readonly parkedPollMs?: number;
  /**
   * Counts committed events after a position, for the lag in events (positions need not be dense, so the lag is
   * not a difference of positions). Without it the lag counts what was read but not yet published.
   */
  readonly countPending?: (afterPosition: number) => Promise<number>;
  /** Extra kafkajs producer settings (retry, metadataMaxAge, ...), when the relay creates the producer. */
  readonly producerConfig?: ProducerConfig;
  /** Called with every failure the relay recovers from (publishing, reading, checkpointing, lease, parking). */
  readonly onError?: (error: RelayError) => void;
  /** Called after every published batch. */
  readonly onPublished?: (batch: PublishedBatch) => void;
  readonly now?: () => number;
}

export interface RelayDeps {
  readonly eventStore: EventStore;
  readonly checkpoints: CheckpointStore;
  /** Taken before publishing; without it the caller guarantees a single relay. */
  readonly lease?: LeaseProvider;
  /** Where events too large to publish are parked (PostgreSQL: `createPgParkedEventStore`; default in memory). */
  readonly parking?: ParkingStore;
  /**
   * A kafkajs client: the relay checks the topics with it and, without `producerThread`, creates (and disconnects)
   * its producer with the options' defaults.
   */
  readonly kafka?: KafkaLike;
  /**
   * With `kafka`: the relay's producer runs in a worker thread, built from these plain-data client settings (the
   * same cluster), so that serializing, compressing and sending overlap with reading and mapping the next batch.
   * Publishing, acks, ordering and failures are the same; `options.producerConfig` must then be plain data too.
   */
  readonly producerThread?: ProducerThreadSettings;
  /** Or a ready producer (the caller owns its settings and lifecycle). */
  readonly producer?: ProducerLike;
  /** Or any client behind the relay's own port (the caller owns its settings and lifecycle). */
  readonly publisher?: RecordPublisher;
  readonly options?: RelayOptions;
}

export type RelayErrorCode =
  | 'store-unavailable'
  | 'mapping-failed'
  | 'publish-failed'
  | 'checkpoint-failed'
  | 'lease-failed'
  | 'topic-missing'
  | 'event-parked';

export interface RelayError {
  readonly code: RelayErrorCode;
  readonly message: string;
  readonly cause?: unknown;
}

export interface PublishedBatch {
  readonly events: number;
  readonly messages: number;
  /** Events of the batch parked (too large) or held behind a parked event of their order. */
  readonly parked: number;
  readonly fromPosition: number;
  readonly toPosition: number;
  /** The stored events of the batch (their commit times give end-to-end latency). */
  readonly firstOccurredAt: string | undefined;
}

export interface RunOnceResult {
  /** Stored events published by this run (0: nothing was waiting). */
  readonly events: number;
  readonly messages: number;
  /** The checkpoint after the run. */
  readonly position: number;
  /** Events read and passed over because they belong to other shards (absent when none). */
  readonly skipped?: number;
}

export type RelayStatus = 'stopped' | 'standby' | 'running' | 'backing-off' | 'failed';

export interface RelayLag {
  /** Committed events not yet published (a lower bound of `batchSize` when the store's head is unknown). */
  readonly events: number;
  /** Age of the oldest event not yet published (0 when caught up). */
  readonly seconds: number;
  readonly position: number;
  readonly status: RelayStatus;
  readonly publishedEvents: number;
  readonly publishedMessages: number;
  /** Consecutive failures (0 once a run succeeds). */
  readonly failures: number;
  /** Every failure since start. */
  readonly failuresTotal: number;
  /** Parked events waiting for an operator (`pnpm oms relay parked`). */
  readonly parked: number;
  /** Why the relay is `failed` (a missing topic). */
  readonly error?: string;
}

export interface Relay {
  /** Starts publishing in the background (after taking the lease, when one is given). */
  start(): Promise<void>;
  /** Stops the loop, publishes what is committed (up to `drainTimeoutMs`, default 5 s), releases the lease. */
  stop(options?: { readonly drainTimeoutMs?: number }): Promise<void>;
  /** Publishes one batch (does not take the lease: for CLIs and tests that run a single relay). */
  runOnce(): ResultAsync<RunOnceResult, RelayError>;
  /** Ends an idle wait: new events were committed. */
  wake(): void;
  lag(): RelayLag;
}
