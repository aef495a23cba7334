import type { ProducerConfig } from 'kafkajs';
import { err, ok, type Result, ResultAsync } from 'neverthrow';
import { COMPRESSION_TYPES, clusterProducerConfig } from '../kafkaPorts.js';
import { backoffDelay, createSleeper } from './backoff.js';
import { createStateCache } from './buildMessages.js';
import { createKafkajsPublisher, DEFAULT_COMPRESS_MIN_BYTES } from './kafkajsPublisher.js';
import { chunkByBytes, type SizedMessage } from './kafkaMessages.js';
import { createInMemoryParkingStore } from './parking.port.js';
import { createBatchReader, type ReadBatch } from './readBatch.js';
import {
  DEFAULT_MAX_BATCH_BYTES,
  type Relay,
  type RelayDeps,
  type RelayError,
  type RelayOptions,
  type RunOnceResult,
} from './relay.types.js';
import { createRelayCheckpoint } from './relayCheckpoint.js';
import { createRelayConnection } from './relayConnection.js';
import { createRelayLagTracker } from './relayLag.js';
import { createRelayLease } from './relayLease.js';
import { createRelayParking, type ParkingPlan } from './relayParking.js';
import { checkShard, shardName } from './shards.js';
import { createThreadedPublisher } from './threadedPublisher.js';
import { tracePublisher } from './traceProducer.js';

export { POSITION_HEADER, STREAM_VERSION_HEADER } from './kafkaMessages.js';
export * from './relay.types.js';

/** The producer settings for a real cluster: acks from all in-sync replicas, idempotent, ordered retries. */
export const relayProducerConfig = (options: RelayOptions = {}): ProducerConfig =>
  clusterProducerConfig(options.idempotent ?? true, {
    allowAutoTopicCreation: options.autoCreateTopics ?? true,
    ...options.producerConfig,
  });

/** A batch being published: what was read, what to do with it, and how many of its requests went out. */
interface Pending extends ReadBatch {
  readonly plan: ParkingPlan;
  readonly chunks: ReturnType<typeof chunkByBytes>;
  sentChunks: number;
  parked: boolean;
}

/**
 * The outbox relay: reads committed events in global order, publishes their integration messages with acks from
 * all in-sync replicas, and only then moves its checkpoint. At-least-once: a crash re-publishes at most the batch
 * that was not acknowledged; a broker outage delays events and never drops them. The pieces: the connection
 * (producer, topics), the lease (with a fencing epoch), the checkpoint, the batch reader, parking (events too
 * large to publish) and the lag.
 */
export const createRelay = (deps: RelayDeps): Relay => {
  const { eventStore, checkpoints, options = {} } = deps;
  const {
    name: baseName = 'oms-relay',
    shard,
    batchSize = 2000,
    maxBatchBytes = DEFAULT_MAX_BATCH_BYTES,
    pollIntervalMs = 20,
    leaseRetryMs = 5_000,
    topicCheckRetryMs = 30_000,
    sendTimeoutMs = 30_000,
    takeoverDelayMs = sendTimeoutMs,
    prefetch = true,
    now = Date.now,
  } = options;
  if (shard) checkShard(shard);
  const name = shardName(baseName, shard);
  const compression = COMPRESSION_TYPES[options.compression ?? 'gzip'];
  const compressMinBytes = options.compressMinBytes ?? DEFAULT_COMPRESS_MIN_BYTES;
  const ownProducer =
    deps.producer ??
    (deps.producerThread ? undefined : deps.kafka?.producer(relayProducerConfig(options)));
  const untraced =
    deps.publisher ??
    (ownProducer
      ? createKafkajsPublisher({
          producer: ownProducer,
          compression,
          compressMinBytes,
          timeoutMs: sendTimeoutMs,
        })
      : deps.producerThread &&
        createThreadedPublisher({
          ...deps.producerThread,
          producer: relayProducerConfig(options),
          compression,
          compressMinBytes,
          timeoutMs: sendTimeoutMs,
        }));
  // a PRODUCER span per request, linked to each event's stored traceparent (a no-op without an OpenTelemetry SDK)
  const publisher = untraced && tracePublisher(untraced);
  if (!publisher) throw new Error('createRelay needs `kafka`, `producer` or `publisher`');
  const cache = createStateCache(options.stateCacheSize ?? 4_000);
  const readConcurrency = options.readConcurrency ?? 8;
  const sleeper = createSleeper();
  const report = (error: RelayError) => options.onError?.(error);
  const connection = createRelayConnection({
    publisher,
    ownsProducer: !deps.producer && !deps.publisher,
    kafka: deps.kafka,
    options,
    report,
  });
  const lease = createRelayLease({
    provider: deps.lease,
    checkpoints,
    name,
    // a produce still in flight must not land after the next holder's: cut the connection at once
    onLost: () => void connection.abort(),
    report,
  });
  const reader = createBatchReader({
    eventStore,
    cache,
    batchSize,
    lingerMs: options.lingerMs ?? 0,
    readConcurrency,
    shard,
    stopAt: options.stopAt,
  });
  const parking = createRelayParking({
    store: deps.parking ?? createInMemoryParkingStore(),
    relay: name,
    eventStore,
    cache,
    readConcurrency,
    maxBytes: maxBatchBytes,
    pollMs: options.parkedPollMs ?? 1_000,
    now,
    report,
  });
  const lag = createRelayLagTracker({ batchSize, countPending: options.countPending, now });

  const checkpoint = createRelayCheckpoint({
    checkpoints,
    name,
    onFenced: () => lease.markFenced(),
  });

  let pending: Pending | undefined;
  let stopping = false;
  let loop: Promise<void> | undefined;
  let running: Promise<unknown> = Promise.resolve();

  /** Forgets what this relay read: after a lease loss, another relay publishes from the saved checkpoint. */
  const forget = () => {
    pending = undefined;
    checkpoint.forget();
    reader.reset();
  };

  /** Connected, the topics there, the checkpoint loaded and any failed save retried: the position to go on from. */
  const ready = async (): Promise<Result<number, RelayError>> => {
    const opened = await connection.open();
    if (opened.isErr()) return err(opened.error);
    return checkpoint.current();
  };

  /** Whether this relay may still publish: its lease is held and its epoch is still the current one. */
  const mayPublish = async (): Promise<Result<void, RelayError>> => {
    if (lease.lost) return err({ code: 'lease-failed', message: 'the lease was lost' });
    return checkpoint.verify();
  };

  const sendAll = async (messages: readonly SizedMessage[]): Promise<Result<void, RelayError>> => {
    for (const chunk of chunkByBytes(messages, maxBatchBytes)) {
      const allowed = await mayPublish();
      if (allowed.isErr()) return allowed;
      const sent = await connection.send(chunk);
      if (sent.isErr()) return sent;
    }
    return ok(undefined);
  };

  /**
   * Sends the batch's requests not acknowledged yet, each after checking that this relay may still publish. A
   * pipelined publisher gets them all at once (it sends them in order and refuses those behind a failure); the
   * acknowledged ones are counted from the first, so that a request already acknowledged is not sent again when a
   * later one failed: no partition goes back.
   */
  const sendChunks = async (batch: Pending): Promise<Result<void, RelayError>> => {
    const inFlight: Promise<Result<void, RelayError>>[] = [];
    let refused: RelayError | undefined;
    for (let index = batch.sentChunks; index < batch.chunks.length; index += 1) {
      const allowed = await mayPublish();
      if (allowed.isErr()) {
        refused = allowed.error;
        break;
      }
      const sending = connection.send(batch.chunks[index] ?? []);
      inFlight.push(sending);
      if (!publisher.pipelined && (await sending).isErr()) break;
    }
    for (const sending of inFlight) {
      const sent = await sending;
      if (sent.isErr()) return sent;
      batch.sentChunks += 1;
    }
    return refused ? err(refused) : ok(undefined);
  };

  const nextPending = async (from: number): Promise<Result<Pending | undefined, RelayError>> => {
    const resolved = await parking.resolve(from, sendAll);
    if (resolved.isErr()) return err(resolved.error);
    const batch = await reader.next(from);
    if (batch.isErr() || !batch.value) return batch.map(() => undefined);
    const plan = parking.plan(batch.value.events, batch.value.sized);
    return ok({
      ...batch.value,
      plan,
      chunks: chunkByBytes(plan.publish, maxBatchBytes),
      sentChunks: 0,
      parked: false,
    });
  };

  const runOnceNow = async (): Promise<Result<RunOnceResult, RelayError>> => {
    const at = await ready();
    if (at.isErr()) return err(at.error);
    if (!pending) {
      const batch = await nextPending(at.value);
      if (batch.isErr()) return err(batch.error);
      if (!batch.value) {
        lag.caughtUp();
        return ok({ events: 0, messages: 0, position: at.value });
      }
      pending = batch.value;
    }
    const batch = pending;
    lag.read(batch.events);
    if (prefetch) reader.prefetch(batch);
    if (!batch.parked) {
      const parked = await parking.persist(batch.plan);
      if (parked.isErr()) return err(parked.error);
      batch.parked = true;
    }
    const sent = await sendChunks(batch);
    if (sent.isErr()) return err(sent.error);
    const first = batch.events[0];
    const to = batch.readTo;
    pending = undefined;
    lag.published(batch.events, batch.plan.publish.length);
    options.onPublished?.({
      events: batch.events.length,
      messages: batch.plan.publish.length,
      parked: batch.plan.park.length + batch.plan.held,
      fromPosition: first?.globalPosition ?? to,
      toPosition: to,
      firstOccurredAt: first?.occurredAt,
    });
    const saved = await checkpoint.advance(to);
    if (saved.isErr()) return err(saved.error);
    return ok({
      events: batch.events.length,
      messages: batch.plan.publish.length,
      position: to,
      ...(batch.skipped > 0 ? { skipped: batch.skipped } : {}),
    });
  };

  /** One run at a time, whether from the loop, `runOnce()` or the final drain. */
  const serialized = (): Promise<Result<RunOnceResult, RelayError>> => {
    const run = running.then(runOnceNow, runOnceNow);
    running = run;
    return run;
  };

  /** Holds the lease (or waits as a standby); false when this relay may not publish now. */
  const takeLease = async (): Promise<boolean> => {
    const lost = lease.lost;
    if (lost) {
      forget();
      // what it had in flight is answered or failed before it may take the lease again
      await connection.abort();
    }
    const state = await lease.acquire();
    if (!state.held) {
      lag.status = 'standby';
      await sleeper.sleep(leaseRetryMs);
      return false;
    }
    if (state.taken) {
      forget();
      checkpoint.takeOver({ epoch: state.epoch, position: state.taken.position });
      if (!state.taken.clean && takeoverDelayMs > 0) {
        report({
          code: 'lease-failed',
          message: `took the lease over from a relay that did not let go of it: waiting ${takeoverDelayMs} ms for its last batch to land or fail before publishing`,
        });
        lag.status = 'standby';
        await sleeper.sleep(takeoverDelayMs);
        return !stopping && !lease.lost;
      }
    }
    return true;
  };

  const runLoop = async () => {
    while (!stopping) {
      if (!(await takeLease())) continue;
      if (lag.status !== 'failed') lag.status = lag.failures > 0 ? 'backing-off' : 'running';
      const result = await serialized();
      await lag.refreshCount(checkpoint.position);
      if (result.isErr()) {
        lag.failure();
        if (result.error.code === 'topic-missing') {
          // one line, not one per retry: a missing topic needs an operator
          if (lag.status !== 'failed') report(result.error);
          lag.failed(result.error.message);
          await sleeper.sleep(topicCheckRetryMs);
          continue;
        }
        lag.status = 'backing-off';
        report(result.error);
        await sleeper.sleep(backoffDelay(lag.failures - 1, options.backoff));
        continue;
      }
      lag.success();
      lag.status = 'running';
      if (result.value.events + (result.value.skipped ?? 0) === 0)
        await sleeper.sleep(pollIntervalMs);
    }
  };

  return {
    async start() {
      if (loop) return;
      stopping = false;
      lag.status = deps.lease ? 'standby' : 'running';
      loop = runLoop();
    },
    async stop({ drainTimeoutMs = 5_000 } = {}) {
      stopping = true;
      sleeper.wake();
      const deadline = now() + drainTimeoutMs;
      const drain = async () => {
        if (loop) await loop;
        loop = undefined;
        if (!lease.held || !connection.connected) return;
        while (now() < deadline) {
          const result = await serialized();
          if (result.isErr() || result.value.events + (result.value.skipped ?? 0) === 0) return;
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
      await connection.close();
      await lease.release();
      loop = undefined;
      lag.status = 'stopped';
    },
    runOnce: () => new ResultAsync(serialized()),
    wake: () => sleeper.wake(),
    lag: () => lag.snapshot(checkpoint.position ?? 0, pending?.events.length ?? 0, parking.count),
  };
};
