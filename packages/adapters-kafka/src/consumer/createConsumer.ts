import { CONSUMER_GROUP, DLQ_TOPIC, type ExecuteOrderRequest, INBOUND_TOPICS } from '@oms/domain';
import type { Consumer, ConsumerConfig, IHeaders, KafkaMessage, ProducerConfig } from 'kafkajs';
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
import { type BackoffOptions, backoffDelay, createSleeper } from '../relay/backoff.js';
import { type InboundMessage, type InboundOutcome, processInbound } from './processInbound.js';

export interface ConsumerOptions {
  /** Consumer group (default `oms-order-intake`). */
  readonly groupId?: string;
  /** Topics (default the four inbound topics of spec §3). */
  readonly topics?: readonly string[];
  /** A new group starts at the earliest offset (default true: nothing published before the first start is lost). */
  readonly fromBeginning?: boolean;
  /** kafkajs consumer settings (defaults: session 30 s, heartbeat 3 s, max wait 500 ms). */
  readonly sessionTimeout?: number;
  readonly heartbeatInterval?: number;
  readonly maxWaitTimeInMs?: number;
  readonly partitionsConsumedConcurrently?: number;
  readonly consumerConfig?: Partial<ConsumerConfig>;
  /** The dead-letter producer: idempotent (default true) and compressed (default gzip). */
  readonly idempotent?: boolean;
  readonly compression?: CompressionName;
  readonly producerConfig?: ProducerConfig;
  /** Create the dead-letter topic at start-up (default true). Failures are reported, not fatal. */
  readonly createTopics?: boolean | TopicCreationOptions;
  readonly dlqTopic?: string;
  /** Backoff between attempts of a message that failed on infrastructure (default 100 ms doubling up to 10 s). */
  readonly backoff?: BackoffOptions;
  /** Attempts of a message failing with `internal` before it is dead-lettered (default 5). */
  readonly maxInternalAttempts?: number;
  readonly onOutcome?: (message: InboundMessage, outcome: InboundOutcome) => void;
  readonly onError?: (error: { readonly code: string; readonly message: string }) => void;
  readonly now?: () => Date;
}

/** kafkajs's client, as far as the consumer needs it. */
export interface ConsumerKafka extends KafkaLike {
  consumer(config: ConsumerConfig): Consumer;
}

export interface InboundConsumerDeps {
  /** The same write path as the HTTP API (`createExecuteOrderRequest`). */
  readonly execute: ExecuteOrderRequest;
  readonly kafka: ConsumerKafka;
  readonly options?: ConsumerOptions;
}

export interface ConsumerStats {
  readonly applied: number;
  readonly replayed: number;
  readonly deadLettered: number;
  readonly retried: number;
}

export interface InboundConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the consumer has joined its group (after `start()`). */
  joined(): Promise<void>;
  stats(): ConsumerStats;
}

const headerText = (headers: IHeaders | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
};

/** The headers of a dead-lettered message: the original ones plus why and where it came from. */
export const deadLetterHeaders = (
  message: Pick<InboundMessage, 'topic' | 'partition' | 'offset' | 'headers'>,
  outcome: { readonly code: string; readonly reason: string },
  groupId: string,
  failedAt: Date,
): Record<string, string> => {
  const original: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers))
    if (value !== undefined) original[name] = value;
  return {
    ...original,
    'x-dlq-code': outcome.code,
    'x-dlq-reason': outcome.reason.slice(0, 2_000),
    'x-dlq-source-topic': message.topic,
    'x-dlq-source-partition': String(message.partition),
    'x-dlq-source-offset': message.offset,
    'x-dlq-consumer-group': groupId,
    'x-dlq-failed-at': failedAt.toISOString(),
  };
};

/**
 * The inbound consumer: fulfillment and shipping events run the same domain commands as the HTTP API. A poison
 * message is dead-lettered and committed; an infrastructure failure holds the partition and is retried with
 * backoff (heartbeating meanwhile), so nothing is skipped and nothing stops on a bad message.
 */
export const createConsumer = (deps: InboundConsumerDeps): InboundConsumer => {
  const { kafka, options = {} } = deps;
  const {
    groupId = CONSUMER_GROUP,
    topics = Object.keys(INBOUND_TOPICS),
    fromBeginning = true,
    dlqTopic = DLQ_TOPIC,
    maxInternalAttempts = 5,
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
    created.on(created.events.GROUP_JOIN, () => joinedResolve?.());
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
  const counts = { applied: 0, replayed: 0, deadLettered: 0, retried: 0 };
  let running = false;
  let joinedResolve: (() => void) | undefined;
  let joinedPromise = new Promise<void>((resolve) => {
    joinedResolve = resolve;
  });
  let consumer = newConsumer();
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

  /** Runs one message to a final outcome; false when the consumer stopped first (it will be redelivered). */
  const settle = async (
    message: InboundMessage,
    raw: KafkaMessage,
    alive: () => boolean,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> => {
    let attempt = 0;
    let internalFailures = 0;
    const sleeper = createSleeper();
    sleepers.add(sleeper);
    try {
      return await attemptUntilSettled();
    } finally {
      sleepers.delete(sleeper);
    }
    async function attemptUntilSettled(): Promise<boolean> {
      while (alive()) {
        let outcome: InboundOutcome;
        try {
          outcome = await processInbound({ execute: deps.execute }, message);
        } catch (cause) {
          // a throwing adapter is a bug or an outage, not a verdict on the message: retried, then dead-lettered
          outcome = { kind: 'retry', code: 'internal', reason: messageOf(cause) };
        }
        if (outcome.kind === 'retry' && outcome.code === 'internal') {
          internalFailures += 1;
          if (internalFailures >= maxInternalAttempts)
            outcome = { kind: 'dead-letter', code: outcome.code, reason: outcome.reason };
        }
        try {
          if (outcome.kind === 'dead-letter') await deadLetter(message, raw, outcome);
          if (outcome.kind !== 'retry') {
            if (outcome.kind === 'dead-letter') counts.deadLettered += 1;
            else if (outcome.replayed) counts.replayed += 1;
            else counts.applied += 1;
            options.onOutcome?.(message, outcome);
            return true;
          }
          counts.retried += 1;
          report(outcome.code, outcome.reason);
        } catch (cause) {
          counts.retried += 1;
          report('dead-letter-failed', cause);
        }
        await sleeper.sleep(backoffDelay(attempt, options.backoff));
        attempt += 1;
        await heartbeat().catch((cause: unknown) => report('heartbeat-failed', cause));
      }
      return false;
    }
  };

  const runOnce = async (): Promise<void> => {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics], fromBeginning });
    await consumer.run({
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        commitOffsetsIfNecessary,
        isRunning,
        isStale,
      }) => {
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
          await heartbeat();
        }
        await commitOffsetsIfNecessary();
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
      for (const sleeper of sleepers) sleeper.wake();
      await consumer.disconnect().catch((cause: unknown) => report('disconnect-failed', cause));
      await producer.disconnect().catch((cause: unknown) => report('disconnect-failed', cause));
      joinedPromise = new Promise<void>((resolve) => {
        joinedResolve = resolve;
      });
    },
    joined: () => joinedPromise,
    stats: () => ({ ...counts }),
  };
};
