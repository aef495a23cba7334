import { CONSUMER_GROUP, DLQ_TOPIC, INBOUND_TOPICS } from '@oms/domain';
import type { Consumer } from 'kafkajs';
import { messageOf } from '../errors.js';
import {
  COMPRESSION_TYPES,
  clusterProducerConfig,
  ensureTopics,
  type ProducerLike,
} from '../kafkaPorts.js';
import { backoffDelay, createSleeper } from '../relay/backoff.js';
import type { InboundConsumer, InboundConsumerDeps } from './consumer.types.js';
import { headerText } from './deadLetterHeaders.js';
import { createMessageHandling } from './messageHandling.js';
import { createOffsetBook } from './offsetBook.js';
import type { InboundMessage } from './processInbound.js';

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
      offsets.rejoined();
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
  let running = false;
  let joinedResolve: (() => void) | undefined;
  let joinedPromise = new Promise<void>((resolve) => {
    joinedResolve = resolve;
  });
  const startSleeper = createSleeper();

  const report = (code: string, cause: unknown) =>
    options.onError?.({ code, message: messageOf(cause) });

  const { settle, deferrals, counts, wake } = createMessageHandling({
    execute: deps.execute,
    producer,
    options,
    groupId,
    dlqTopic,
    compression,
    internalRetryMs,
    deferMs,
    maxDeferred,
    now,
    report,
    running: () => running,
    commit: (topic, partition) => offsets.commit(topic, partition),
  });
  const offsets = createOffsetBook({
    lowestDeferred: (topic, partition) => deferrals.lowestOffset(topic, partition),
    commitOffsets: (commit) => consumer.commitOffsets(commit),
    report,
  });

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
          offsets.ran(batch.topic, batch.partition, raw.offset, batch.highWatermark);
          await heartbeat();
        }
        await offsets.commit(batch.topic, batch.partition);
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
      wake();
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
      lag: offsets.lag(),
    }),
  };
};
