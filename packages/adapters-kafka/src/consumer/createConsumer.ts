import { CONSUMER_GROUP, DLQ_TOPIC, INBOUND_TOPICS } from '@oms/domain';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { messageOf } from '../errors.js';
import {
  COMPRESSION_TYPES,
  clusterProducerConfig,
  ensureTopics,
  type ProducerLike,
} from '../kafkaPorts.js';
import { backoffDelay, createSleeper } from '../relay/backoff.js';
import type { InboundConsumer, InboundConsumerDeps } from './consumer.types.js';
import { deadLetterHeaders, headerText } from './deadLetterHeaders.js';
import { createDeferrals, type Deferred } from './deferrals.js';
import { type InboundMessage, type InboundOutcome, processInbound } from './processInbound.js';
import { traceProcess } from './traceProcess.js';

export type {
  ConsumerKafka,
  ConsumerOptions,
  ConsumerStats,
  InboundConsumer,
  InboundConsumerDeps,
} from './consumer.types.js';
export { deadLetterHeaders } from './deadLetterHeaders.js';

/**
 * The inbound consumer: fulfillment and shipping events run the same domain commands as the HTTP API. A poison
 * message is dead-lettered and committed; an infrastructure failure holds the partition and is retried with
 * backoff (heartbeating meanwhile), so nothing is skipped and nothing stops on a bad message. A message that is not
 * possible yet is deferred without holding its partition (see `deferrals.ts`); offsets are committed by hand, never
 * past a deferred message.
 */
export const createConsumer = (deps: InboundConsumerDeps): InboundConsumer => {
  const { kafka, options = {} } = deps;
  const {
    groupId = CONSUMER_GROUP,
    topics = Object.keys(INBOUND_TOPICS),
    fromBeginning = true,
    dlqTopic = DLQ_TOPIC,
    internalRetryMs = 15 * 60_000,
    deferMs = 10 * 60_000,
    maxDeferred = 10_000,
    now = () => new Date(),
  } = options;
  const idempotent = options.idempotent ?? true;
  const compression = COMPRESSION_TYPES[options.compression ?? 'gzip'];
  const newConsumer = (): Consumer => {
    const created = kafka.consumer({
      sessionTimeout: options.sessionTimeout ?? 30_000,
      heartbeatInterval: options.heartbeatInterval ?? 3_000,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 500,
      ...options.consumerConfig,
      groupId,
    });
    created.on(created.events.GROUP_JOIN, (event) => {
      // partitions given to another member: their deferred messages are read again by it
      deferrals.keepOnly(event.payload.memberAssignment);
      processed.clear();
      committed.clear();
      joinedResolve?.();
    });
    // kafkajs restarts itself after retriable failures; after any other crash a new consumer takes over
    created.on(created.events.CRASH, (event) => {
      report('consumer-crashed', event.payload.error);
      if (!event.payload.restart && running && consumer === created) void restart();
    });
    return created;
  };
  const producer: ProducerLike = kafka.producer(
    clusterProducerConfig(idempotent, options.producerConfig),
  );
  const sleepers = new Set<ReturnType<typeof createSleeper>>();
  const counts = {
    applied: 0,
    replayed: 0,
    ignored: 0,
    deadLettered: 0,
    retried: 0,
    deferredTotal: 0,
  };
  /** By `topic/partition`: the last offset run to an outcome (or deferred), the last committed, the lag. */
  const processed = new Map<string, bigint>();
  const committed = new Map<string, bigint>();
  const lags = new Map<string, number>();
  let running = false;
  let joinedResolve: (() => void) | undefined;
  let joinedPromise = new Promise<void>((resolve) => {
    joinedResolve = resolve;
  });
  const startSleeper = createSleeper();

  const report = (code: string, cause: unknown) =>
    options.onError?.({ code, message: messageOf(cause) });

  const deadLetter = async (
    message: InboundMessage,
    raw: KafkaMessage,
    outcome: { code: string; reason: string },
  ): Promise<void> => {
    await producer.send({
      topic: dlqTopic,
      acks: -1,
      compression,
      messages: [
        {
          key: raw.key,
          value: raw.value,
          headers: deadLetterHeaders(message, outcome, groupId, now()),
        },
      ],
    });
  };

  const attemptOnce = async (message: InboundMessage): Promise<InboundOutcome> => {
    try {
      return await traceProcess(message, groupId, (traced) =>
        processInbound({ execute: deps.execute }, traced),
      );
    } catch (cause) {
      // a throwing adapter is a bug or an outage, not a verdict on the message: retried like `internal`
      return { kind: 'retry', code: 'internal', reason: messageOf(cause) };
    }
  };

  /** Records a final outcome (dead-letters first); throws when the dead-letter topic cannot be written. */
  const finish = async (
    message: InboundMessage,
    raw: KafkaMessage,
    outcome: Extract<InboundOutcome, { kind: 'applied' | 'ignored' | 'dead-letter' }>,
  ): Promise<void> => {
    if (outcome.kind === 'dead-letter') await deadLetter(message, raw, outcome);
    if (outcome.kind === 'dead-letter') counts.deadLettered += 1;
    else if (outcome.kind === 'ignored') counts.ignored += 1;
    else if (outcome.replayed) counts.replayed += 1;
    else counts.applied += 1;
    options.onOutcome?.(message, outcome);
    // what waited for this order may be possible now
    if (outcome.kind === 'applied') deferrals.orderChanged(outcome.orderId);
  };

  /** Commits a partition up to what ran, never past its oldest deferred message. */
  const commit = async (topic: string, partition: number): Promise<void> => {
    const slot = `${topic}/${partition}`;
    const last = processed.get(slot);
    if (last === undefined) return;
    const lowest = deferrals.lowestOffset(topic, partition);
    const next = lowest !== undefined && lowest <= last ? lowest : last + 1n;
    if (committed.get(slot) === next) return;
    try {
      await consumer.commitOffsets([{ topic, partition, offset: String(next) }]);
      committed.set(slot, next);
    } catch (cause) {
      report('commit-failed', cause);
    }
  };

  /** Drives a deferred message again: done, deferred once more, or dead-lettered once its time is up. */
  const redrive = async (deferred: Deferred): Promise<void> => {
    if (!running) return;
    const { message, raw } = deferred;
    let outcome = await attemptOnce(message);
    const waited = now().getTime() - deferred.since;
    if (outcome.kind === 'defer' || outcome.kind === 'retry') {
      const limit = outcome.kind === 'defer' ? deferMs : Math.max(deferMs, internalRetryMs);
      if (waited < limit) {
        if (outcome.kind === 'retry') {
          counts.retried += 1;
          report(outcome.code, outcome.reason);
        }
        deferrals.reschedule(deferred);
        return;
      }
      outcome = {
        kind: 'dead-letter',
        code: outcome.code,
        reason: `still not possible after ${Math.round(waited / 1000)} s: ${outcome.reason}`,
      };
    }
    try {
      await finish(message, raw, outcome);
      deferrals.settled(deferred);
      await commit(message.topic, message.partition);
    } catch (cause) {
      counts.retried += 1;
      report('dead-letter-failed', cause);
      deferrals.reschedule(deferred);
    }
  };

  const deferrals = createDeferrals({
    backoff: options.deferBackoff ?? { initialMs: 500, maxMs: 30_000 },
    now: () => now().getTime(),
    redrive,
  });

  /**
   * Runs one message to an outcome, or defers it; false when the consumer stopped first (it will be redelivered).
   * Infrastructure failures hold the partition (every message behind would fail too), `internal` ones for at most
   * `internalRetryMs`.
   */
  const settle = async (
    message: InboundMessage,
    raw: KafkaMessage,
    alive: () => boolean,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> => {
    const sleeper = createSleeper();
    sleepers.add(sleeper);
    let firstInternal: number | undefined;
    try {
      for (let attempt = 0; alive(); attempt += 1) {
        let outcome = await attemptOnce(message);
        if (outcome.kind === 'retry' && outcome.code === 'internal') {
          firstInternal ??= now().getTime();
          const failingFor = now().getTime() - firstInternal;
          if (failingFor >= internalRetryMs)
            outcome = {
              kind: 'dead-letter',
              code: outcome.code,
              reason: `${outcome.reason} (still failing after ${attempt + 1} attempts over ${Math.round(failingFor / 1000)} s)`,
            };
        }
        if (outcome.kind === 'defer' && deferrals.size < maxDeferred) {
          deferrals.add(message, raw, outcome.orderId);
          counts.deferredTotal += 1;
          options.onOutcome?.(message, outcome);
          return true;
        }
        if (
          outcome.kind === 'applied' ||
          outcome.kind === 'ignored' ||
          outcome.kind === 'dead-letter'
        ) {
          try {
            await finish(message, raw, outcome);
            return true;
          } catch (cause) {
            counts.retried += 1;
            report('dead-letter-failed', cause);
          }
        } else {
          counts.retried += 1;
          report(outcome.code, outcome.reason);
        }
        await sleeper.sleep(backoffDelay(attempt, options.backoff));
        await heartbeat().catch((cause: unknown) => report('heartbeat-failed', cause));
      }
      return false;
    } finally {
      sleepers.delete(sleeper);
    }
  };

  let consumer = newConsumer();

  const runOnce = async (): Promise<void> => {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const alive = () => running && isRunning() && !isStale();
        const slot = `${batch.topic}/${batch.partition}`;
        for (const raw of batch.messages) {
          if (!alive()) break;
          const message: InboundMessage = {
            topic: batch.topic,
            partition: batch.partition,
            offset: raw.offset,
            key: raw.key,
            value: raw.value,
            headers: headerText(raw.headers),
          };
          if (!(await settle(message, raw, alive, heartbeat))) break;
          resolveOffset(raw.offset);
          processed.set(slot, BigInt(raw.offset));
          lags.set(
            slot,
            Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(raw.offset) - 1n)),
          );
          await heartbeat();
        }
        await commit(batch.topic, batch.partition);
      },
    });
  };

  /** Connects and runs, retrying with backoff while the broker is unreachable, until it runs or `stop()`. */
  const connectAndRun = async (): Promise<void> => {
    for (let attempt = 0; running; attempt += 1) {
      try {
        await runOnce();
        return;
      } catch (cause) {
        report('consumer-start-failed', cause);
        await consumer.disconnect().catch(() => undefined);
        consumer = newConsumer();
        await startSleeper.sleep(backoffDelay(attempt, options.backoff));
      }
    }
  };

  const restart = async (): Promise<void> => {
    await consumer.disconnect().catch(() => undefined);
    consumer = newConsumer();
    await connectAndRun();
  };

  return {
    async start() {
      if (running) return;
      running = true;
      const creation = options.createTopics ?? true;
      if (creation)
        await ensureTopics(kafka, [dlqTopic], typeof creation === 'object' ? creation : {}).catch(
          (cause: unknown) => report('topic-creation-failed', cause),
        );
      await connectAndRun();
    },
    async stop() {
      running = false;
      startSleeper.wake();
      // deferred messages are not committed: the next start reads them again
      deferrals.clear();
      for (const sleeper of sleepers) sleeper.wake();
      await consumer.disconnect().catch((cause: unknown) => report('disconnect-failed', cause));
      await producer.disconnect().catch((cause: unknown) => report('disconnect-failed', cause));
      joinedPromise = new Promise<void>((resolve) => {
        joinedResolve = resolve;
      });
    },
    joined: () => joinedPromise,
    stats: () => ({
      ...counts,
      deferred: deferrals.size,
      lag: [...lags.values()].reduce((sum, lag) => sum + lag, 0),
    }),
  };
};
