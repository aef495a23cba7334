import { type EventStore, PUBLISHED_TOPICS, type RecordedEvent } from '@oms/domain';
import type { Message, ProducerConfig } from 'kafkajs';
import { err, ok, type Result, ResultAsync } from 'neverthrow';
import { messageOf } from '../errors.js';
import {
  COMPRESSION_TYPES,
  type CompressionName,
  clusterProducerConfig,
  ensureTopics,
  type KafkaLike,
  type ProducerLike,
  type TopicCreationOptions,
} from '../kafkaPorts.js';
import { type BackoffOptions, backoffDelay, createSleeper } from './backoff.js';
import { buildMessages, createStateCache, type RelayMessage } from './buildMessages.js';
import type { CheckpointStore, Lease, LeaseProvider } from './checkpoint.port.js';

export interface RelayOptions {
  /** Checkpoint and lease name (default `oms-relay`). */
  readonly name?: string;
  /** Read and map the next batch while the broker acknowledges the current one (default true). */
  readonly prefetch?: boolean;
  /** Stored events read and published per batch (default 2000: a backlog drains about a quarter faster than at 500). */
  readonly batchSize?: number;
  /** When fewer than `batchSize` events are waiting, wait this long for more before publishing (default 0). */
  readonly lingerMs?: number;
  /** How often an idle relay looks for new events; `wake()` cuts the wait short (default 20 ms). */
  readonly pollIntervalMs?: number;
  /** Idempotent producer (default true; librdkafka's mock cluster needs a proxy for it, see the README). */
  readonly idempotent?: boolean;
  /** Compression of produced batches (default gzip). */
  readonly compression?: CompressionName;
  /** Create the published topics at start-up (default true). Creation failures are reported, not fatal. */
  readonly createTopics?: boolean | TopicCreationOptions;
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
   * Counts committed events after a position, for the lag in events (positions need not be dense, so the lag is
   * not a difference of positions). Without it the lag counts what was read but not yet published.
   */
  readonly countPending?: (afterPosition: number) => Promise<number>;
  /** Extra kafkajs producer settings (retry, metadataMaxAge, ...), when the relay creates the producer. */
  readonly producerConfig?: ProducerConfig;
  /** Called with every failure the relay recovers from (publishing, reading, checkpointing, lease). */
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
  /** A kafkajs client: the relay creates (and disconnects) its producer with the options' defaults. */
  readonly kafka?: KafkaLike;
  /** Or a ready producer (the caller owns its settings and lifecycle). */
  readonly producer?: ProducerLike;
  readonly options?: RelayOptions;
}

export type RelayErrorCode =
  | 'store-unavailable'
  | 'mapping-failed'
  | 'publish-failed'
  | 'checkpoint-failed'
  | 'lease-failed';

export interface RelayError {
  readonly code: RelayErrorCode;
  readonly message: string;
  readonly cause?: unknown;
}

export interface PublishedBatch {
  readonly events: number;
  readonly messages: number;
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
}

export type RelayStatus = 'stopped' | 'standby' | 'running' | 'backing-off';

export interface RelayLag {
  /** Committed events not yet published (a lower bound of `batchSize` when the store's head is unknown). */
  readonly events: number;
  /** Age of the oldest event not yet published (0 when caught up). */
  readonly seconds: number;
  readonly position: number;
  readonly status: RelayStatus;
  readonly publishedEvents: number;
  readonly publishedMessages: number;
  readonly failures: number;
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

/** The producer settings for a real cluster: acks from all in-sync replicas, idempotent, ordered retries. */
export const relayProducerConfig = (options: RelayOptions = {}): ProducerConfig =>
  clusterProducerConfig(options.idempotent ?? true, options.producerConfig);

/** Transport headers beside the contract's: where the message comes from in the order's stream and the store. */
export const STREAM_VERSION_HEADER = 'oms-stream-version';
export const POSITION_HEADER = 'oms-position';

const toKafkaMessages = (messages: readonly RelayMessage[]) => {
  const byTopic = new Map<string, Message[]>();
  for (const message of messages) {
    const list = byTopic.get(message.topic) ?? [];
    list.push({
      key: message.key,
      value: JSON.stringify(message.value),
      headers: {
        ...message.headers,
        [STREAM_VERSION_HEADER]: String(message.streamVersion),
        [POSITION_HEADER]: String(message.sourcePosition),
      },
    });
    byTopic.set(message.topic, list);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
};

interface Pending {
  readonly events: readonly RecordedEvent[];
  readonly messages: readonly RelayMessage[];
  readonly topicMessages: ReturnType<typeof toKafkaMessages>;
}

/**
 * The outbox relay: reads committed events in global order, publishes their integration messages with acks from
 * all in-sync replicas, and only then moves its checkpoint. At-least-once: a crash re-publishes at most the batch
 * that was not acknowledged; a broker outage delays events and never drops them.
 */
export const createRelay = (deps: RelayDeps): Relay => {
  const { eventStore, checkpoints, options = {} } = deps;
  const {
    name = 'oms-relay',
    batchSize = 2000,
    lingerMs = 0,
    pollIntervalMs = 20,
    sendTimeoutMs = 30_000,
    stateCacheSize = 4_000,
    readConcurrency = 8,
    leaseRetryMs = 5_000,
    prefetch = true,
    now = Date.now,
  } = options;
  const compression = COMPRESSION_TYPES[options.compression ?? 'gzip'];
  if (!deps.producer && !deps.kafka) throw new Error('createRelay needs `kafka` or `producer`');
  const ownsProducer = !deps.producer;
  const producer: ProducerLike =
    deps.producer ?? deps.kafka!.producer(relayProducerConfig(options));
  const cache = createStateCache(stateCacheSize);
  const sleeper = createSleeper();
  const report = (error: RelayError) => options.onError?.(error);

  let connected = false;
  let topicsEnsured = false;
  let position: number | undefined;
  let unsaved = false;
  let pending: Pending | undefined;
  /** The batch after the one being sent, read and mapped while the broker works (a full batch means more). */
  let prefetched:
    | { readonly from: number; readonly batch: Promise<Result<Pending | undefined, RelayError>> }
    | undefined;
  let oldestUnpublished: number | undefined;
  let waitingEstimate = 0;
  let counted: { readonly at: number; readonly count: number } | undefined;
  let status: RelayStatus = 'stopped';
  let failures = 0;
  let publishedEvents = 0;
  let publishedMessages = 0;
  let stopping = false;
  let loop: Promise<void> | undefined;
  let lease: Lease | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const attempt = <T>(
    code: RelayErrorCode,
    work: () => Promise<T>,
  ): Promise<Result<T, RelayError>> =>
    work().then(
      (value) => ok(value),
      (cause: unknown) => err({ code, message: messageOf(cause), cause }),
    );

  const ready = async (): Promise<Result<number, RelayError>> => {
    if (!connected) {
      const connecting = await attempt('publish-failed', () => producer.connect());
      if (connecting.isErr()) return err(connecting.error);
      connected = true;
      const topics = options.createTopics ?? true;
      if (topics && deps.kafka && !topicsEnsured) {
        topicsEnsured = true;
        const created = await attempt('publish-failed', () =>
          ensureTopics(
            deps.kafka!,
            Object.values(PUBLISHED_TOPICS),
            typeof topics === 'object' ? topics : {},
          ),
        );
        if (created.isErr())
          report({ ...created.error, message: `topic creation: ${created.error.message}` });
      }
    }
    if (position === undefined) {
      const loaded = await attempt('checkpoint-failed', () => checkpoints.load(name));
      if (loaded.isErr()) return err(loaded.error);
      position = loaded.value;
    }
    if (unsaved) {
      const at = position;
      const saved = await attempt('checkpoint-failed', () => checkpoints.save(name, at));
      if (saved.isErr()) return err(saved.error);
      unsaved = false;
    }
    return ok(position);
  };

  const read = async (from: number): Promise<Result<readonly RecordedEvent[], RelayError>> => {
    const result = await eventStore.readAll(from, batchSize);
    return result.mapErr((error) => ({
      code: 'store-unavailable' as const,
      message: error.message,
      cause: error,
    }));
  };

  const nextBatch = async (from: number): Promise<Result<Pending | undefined, RelayError>> => {
    let events = await read(from);
    if (events.isErr()) return err(events.error);
    if (events.value.length === 0) return ok(undefined);
    if (lingerMs > 0 && events.value.length < batchSize) {
      await new Promise((resolve) => setTimeout(resolve, lingerMs));
      events = await read(from);
      if (events.isErr()) return err(events.error);
    }
    const batch = events.value;
    const messages = await buildMessages(eventStore, batch, cache, readConcurrency);
    if (messages.isErr())
      return err({
        code:
          messages.error.code === 'service-unavailable' ? 'store-unavailable' : 'mapping-failed',
        message: messages.error.message,
        cause: messages.error,
      });
    return ok({
      events: batch,
      messages: messages.value,
      topicMessages: toKafkaMessages(messages.value),
    });
  };

  const runOnceNow = async (): Promise<Result<RunOnceResult, RelayError>> => {
    const at = await ready();
    if (at.isErr()) return err(at.error);
    if (!pending) {
      const ahead = prefetched?.from === at.value ? prefetched.batch : undefined;
      prefetched = undefined;
      const batch = await (ahead ?? nextBatch(at.value));
      if (batch.isErr()) return err(batch.error);
      if (!batch.value) {
        oldestUnpublished = undefined;
        waitingEstimate = 0;
        return ok({ events: 0, messages: 0, position: at.value });
      }
      pending = batch.value;
    }
    const batch = pending;
    const first = batch.events[0];
    const last = batch.events.at(-1);
    if (first) oldestUnpublished ??= Date.parse(first.occurredAt);
    waitingEstimate = Math.max(waitingEstimate, batch.events.length);
    if (prefetch && last && batch.events.length >= batchSize && !prefetched)
      prefetched = { from: last.globalPosition, batch: nextBatch(last.globalPosition) };
    if (batch.messages.length > 0) {
      const sent = await attempt('publish-failed', () =>
        producer.sendBatch({
          topicMessages: batch.topicMessages,
          acks: -1,
          compression,
          timeout: sendTimeoutMs,
        }),
      );
      if (sent.isErr()) return err(sent.error);
    }
    const to = last?.globalPosition ?? at.value;
    position = to;
    pending = undefined;
    publishedEvents += batch.events.length;
    publishedMessages += batch.messages.length;
    const full = batch.events.length >= batchSize;
    oldestUnpublished = full && last ? Date.parse(last.occurredAt) : undefined;
    waitingEstimate = full ? batchSize : 0;
    options.onPublished?.({
      events: batch.events.length,
      messages: batch.messages.length,
      fromPosition: first?.globalPosition ?? to,
      toPosition: to,
      firstOccurredAt: first?.occurredAt,
    });
    const saved = await attempt('checkpoint-failed', () => checkpoints.save(name, to));
    if (saved.isErr()) {
      unsaved = true;
      return err(saved.error);
    }
    return ok({ events: batch.events.length, messages: batch.messages.length, position: to });
  };

  /** One run at a time, whether from the loop, `runOnce()` or the final drain. */
  const serialized = (): Promise<Result<RunOnceResult, RelayError>> => {
    const run = running.then(runOnceNow, runOnceNow);
    running = run;
    return run;
  };

  const refreshCount = async () => {
    if (!options.countPending || position === undefined) return;
    const at = position;
    try {
      counted = { at, count: await options.countPending(at) };
    } catch {
      // the lag falls back to what was read
    }
  };

  const takeLease = async (): Promise<boolean> => {
    if (lease?.signal?.aborted) {
      report({ code: 'lease-failed', message: 'the lease was lost; waiting to take it again' });
      await lease.release().catch(() => undefined);
      lease = undefined;
      // another relay may publish now: what this one read but did not publish is read again later
      pending = undefined;
      prefetched = undefined;
      position = undefined;
    }
    if (!deps.lease || lease) return true;
    try {
      const taken = await deps.lease();
      if (taken) {
        lease = taken;
        return true;
      }
    } catch (cause) {
      report({ code: 'lease-failed', message: messageOf(cause), cause });
    }
    status = 'standby';
    await sleeper.sleep(leaseRetryMs);
    return false;
  };

  const runLoop = async () => {
    let countedAt = 0;
    while (!stopping) {
      if (!(await takeLease())) continue;
      status = failures > 0 ? 'backing-off' : 'running';
      const result = await serialized();
      if (options.countPending && now() - countedAt >= 1_000) {
        countedAt = now();
        await refreshCount();
      }
      if (result.isErr()) {
        failures += 1;
        status = 'backing-off';
        report(result.error);
        await sleeper.sleep(backoffDelay(failures - 1, options.backoff));
        continue;
      }
      failures = 0;
      status = 'running';
      if (result.value.events === 0) await sleeper.sleep(pollIntervalMs);
    }
  };

  return {
    async start() {
      if (loop) return;
      stopping = false;
      status = deps.lease ? 'standby' : 'running';
      loop = runLoop();
    },
    async stop({ drainTimeoutMs = 5_000 } = {}) {
      stopping = true;
      sleeper.wake();
      const deadline = now() + drainTimeoutMs;
      const drain = async () => {
        if (loop) await loop;
        loop = undefined;
        const mayPublish = !deps.lease || lease !== undefined;
        if (!mayPublish || !connected) return;
        while (now() < deadline) {
          const result = await serialized();
          if (result.isErr() || result.value.events === 0) return;
        }
      };
      // a batch stuck on an unreachable broker does not hold the shutdown past the deadline: disconnecting the
      // producer fails it, and it stays unacknowledged (published again by the next relay)
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        drain(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.max(0, drainTimeoutMs) + 1_000);
        }),
      ]);
      clearTimeout(timer);
      if (connected && ownsProducer) await producer.disconnect().catch(() => undefined);
      connected = connected && !ownsProducer;
      if (lease) {
        await lease.release().catch(() => undefined);
        lease = undefined;
      }
      loop = undefined;
      status = 'stopped';
    },

    runOnce: () => new ResultAsync(serialized()),
    wake: () => sleeper.wake(),
    lag(): RelayLag {
      const at = position ?? 0;
      const events =
        counted !== undefined && counted.at === at
          ? Math.max(counted.count, pending?.events.length ?? 0)
          : waitingEstimate;
      return {
        events,
        seconds:
          oldestUnpublished === undefined ? 0 : Math.max(0, (now() - oldestUnpublished) / 1000),
        position: at,
        status,
        publishedEvents,
        publishedMessages,
        failures,
      };
    },
  };
};
