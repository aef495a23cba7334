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
import { defaultHeartbeatInterval } from './heartbeatInterval.js';
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
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  // the session kafkajs will use (`consumerConfig` is spread last and wins), which the default heartbeat follows
  const sessionTimeout = options.consumerConfig?.sessionTimeout ?? options.sessionTimeout ?? 30_000;
  const newConsumer = (): Consumer => {
    const created = kafka.consumer({
      sessionTimeout,
      heartbeatInterval: options.heartbeatInterval ?? defaultHeartbeatInterval(sessionTimeout),
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 500,
      ...options.consumerConfig,
      // kafkajs would restart a crashed consumer itself, on the same object and outside `run()`: a join that `stop()`
      // could not tell from a member in its group (see `stop`). A crashed consumer is replaced here instead.
      retry: { ...options.consumerConfig?.retry, restartOnFailure: async () => false },
      groupId,
    });
    created.on(created.events.GROUP_JOIN, (event) => {
      // a consumer that was replaced (stopped, crashed) runs nothing: its join says nothing about this member
      if (consumer !== created) return;
      crashes = 0;
      // partitions given to another member: their deferred messages are read again by it
      deferrals.keepOnly(event.payload.memberAssignment);
      offsets.rejoined();
      joinedResolve?.();
    });
    // after a crash (kafkajs has disconnected it) a new consumer takes over; the end of a join that `stop()` left
    // behind is expected and not reported
    created.on(created.events.CRASH, (event) => {
      if (!running || consumer !== created) return;
      report('consumer-crashed', event.payload.error);
      restart().catch((cause: unknown) => report('consumer-start-failed', cause));
    });
    return created;
  };
  const producer: ProducerLike = kafka.producer(
    clusterProducerConfig(idempotent, options.producerConfig),
  );
  let running = false;
  /** Counts `start()` calls: a stop's late disconnect of the producer must not hit a later start's. */
  let generation = 0;
  let producerClosing: Promise<void> = Promise.resolve();
  const closeProducer = (): Promise<void> => {
    producerClosing = producer
      .disconnect()
      .catch((cause: unknown) => report('disconnect-failed', cause));
    return producerClosing;
  };
  /** Crashes since the last join: the backoff before a crashed consumer is replaced. */
  let crashes = 0;
  /** The connect, subscribe and join of `consumer` in flight, until `run()` returns (see `stop`). */
  let joining: Promise<void> | undefined;
  /** Ends `start()` when `stop()` is called before the consumer has joined. */
  let stopRequested: (() => void) | undefined;
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

  /** Connects, subscribes and joins `member`; returns early once it is no longer the consumer (`stop()`). */
  const runOnce = async (member: Consumer): Promise<void> => {
    await producer.connect();
    if (consumer !== member) return;
    await member.connect();
    if (consumer !== member) return;
    await member.subscribe({ topics: [...topics], fromBeginning });
    if (consumer !== member) return;
    await member.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const alive = () => running && consumer === member && isRunning() && !isStale();
        let ran = false;
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
          ran = true;
          await heartbeat();
        }
        // through the member that ran the batch; nothing when nothing ran (a member stopped before its first batch)
        if (ran) await offsets.commit(batch.topic, batch.partition, member);
      },
    });
  };

  /** Connects and runs, retrying with backoff while the broker is unreachable, until it runs or `stop()`. */
  const connectAndRun = async (): Promise<void> => {
    for (let attempt = 0; running; attempt += 1) {
      const member = consumer;
      const run = runOnce(member);
      const attemptDone = run.then(
        () => undefined,
        () => undefined,
      );
      joining = attemptDone;
      try {
        await run;
        return;
      } catch (cause) {
        // stopped meanwhile: `stop()` disconnects it
        if (consumer !== member) return;
        report('consumer-start-failed', cause);
        await member.disconnect().catch(() => undefined);
        consumer = newConsumer();
        await startSleeper.sleep(backoffDelay(attempt, options.backoff));
      } finally {
        if (joining === attemptDone) joining = undefined;
      }
    }
  };

  const restart = async (): Promise<void> => {
    const started = generation;
    const crashed = consumer;
    consumer = newConsumer();
    await crashed.disconnect().catch(() => undefined);
    await startSleeper.sleep(backoffDelay(crashes, options.backoff));
    crashes += 1;
    // not after a stop, nor into a later start() (which runs its own)
    if (running && generation === started) await connectAndRun();
  };

  return {
    async start() {
      if (running) return;
      running = true;
      generation += 1;
      const started = generation;
      // a stop's disconnect of the producer that has begun
      await producerClosing;
      const stopped = new Promise<void>((resolve) => {
        stopRequested = resolve;
      });
      const creation = options.createTopics ?? true;
      if (creation)
        await ensureTopics(kafka, [dlqTopic], typeof creation === 'object' ? creation : {}).catch(
          (cause: unknown) => report('topic-creation-failed', cause),
        );
      // stopped (and maybe started again) meanwhile
      if (!running || generation !== started) return;
      // returns once the consumer has joined, or at `stop()`: a join that `stop()` left behind ends in the background
      await Promise.race([
        connectAndRun().catch((cause: unknown) => report('consumer-start-failed', cause)),
        stopped,
      ]);
    },
    async stop() {
      running = false;
      stopRequested?.();
      startSleeper.wake();
      // deferred messages are not committed: the next start reads them again
      deferrals.clear();
      wake();
      const member = consumer;
      const inFlight = joining;
      joining = undefined;
      // a later start() runs a new kafkajs consumer; this one only finishes what it has in hand
      consumer = newConsumer();
      const disconnected = (
        inFlight
          ? // Still connecting or joining: kafkajs 2.2.4 cannot abort a join. Its `disconnect()` would wait for the
            // JoinGroup in flight, which the coordinator holds until every member has rejoined, up to the rebalance
            // timeout (60 s by default, + 5 s before kafkajs gives up): a member that died without leaving holds
            // it that long. And it would not stop the join either: `stop()` does nothing to a runner that has not
            // joined yet and then forgets it, so a join that succeeds afterwards leaves a member that nobody stops,
            // holding its partitions. So this member is disconnected once `run()` returns (joined or failed), in
            // the background: it has handled nothing (a member that is not the consumer runs no message), so there
            // is nothing to wait for, and it then leaves its group at once (others get its partitions without
            // waiting for its session to time out, if this process lives on).
            inFlight.then(() => member.disconnect())
          : // in its group: finishes the message in hand and leaves the group
            member.disconnect()
      ).catch((cause: unknown) => report('disconnect-failed', cause));
      if (!inFlight) {
        // a rejoin (rebalance) held by the coordinator, or a message in hand that does not finish, would hold the
        // stop like a join: past stopTimeoutMs the rest goes on in the background
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          disconnected.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), stopTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut)
          report(
            'stop-timeout',
            `the consumer did not stop within ${stopTimeoutMs} ms; it goes on stopping in the background`,
          );
      }
      await closeProducer();
      if (inFlight) {
        // the attempt may be connecting the producer: disconnected again once it is over, unless started again
        const stoppedGeneration = generation;
        void inFlight.then(() => {
          if (generation === stoppedGeneration) void closeProducer();
        });
      }
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
