import type { ExecuteOrderRequest } from '@oms/domain';
import type { Consumer, ConsumerConfig, ProducerConfig } from 'kafkajs';
import type { CompressionName, KafkaLike, TopicCreationOptions } from '../kafkaPorts.js';
import type { BackoffOptions } from '../relay/backoff.js';
import type { InboundMessage, InboundOutcome } from './processInbound.js';

export interface ConsumerOptions {
  /** Consumer group (default `oms-order-intake`). */
  readonly groupId?: string;
  /** Topics (default the inbound topics of spec §3 and §6). */
  readonly topics?: readonly string[];
  /** A new group starts at the earliest offset (default true: nothing published before the first start is lost). */
  readonly fromBeginning?: boolean;
  /** kafkajs consumer settings (defaults: session 30 s, heartbeat a third of the session up to 3 s, max wait 500 ms). */
  readonly sessionTimeout?: number;
  readonly heartbeatInterval?: number;
  readonly maxWaitTimeInMs?: number;
  readonly partitionsConsumedConcurrently?: number;
  /**
   * More kafkajs consumer settings. `retry.restartOnFailure` is not used: a crashed consumer is always replaced by a
   * new one (with `backoff`), never restarted by kafkajs itself.
   */
  readonly consumerConfig?: Partial<ConsumerConfig>;
  /**
   * How long `stop()` waits for a member of its group to finish the message in hand and leave the group (default
   * 5 s); past it, `stop()` resolves, reports `stop-timeout`, and the consumer goes on stopping in the background.
   * A consumer still connecting or joining its group is not waited for at all: it has nothing in hand, and kafkajs
   * cannot abort a join; it is disconnected in the background once the join is over (joined or failed).
   */
  readonly stopTimeoutMs?: number;
  /** The dead-letter producer: idempotent (default true) and compressed (default gzip). */
  readonly idempotent?: boolean;
  readonly compression?: CompressionName;
  readonly producerConfig?: ProducerConfig;
  /** Create the dead-letter topic at start-up (default true). Failures are reported, not fatal. */
  readonly createTopics?: boolean | TopicCreationOptions;
  readonly dlqTopic?: string;
  /** Backoff between attempts of a message that failed on infrastructure (default 100 ms doubling up to 10 s). */
  readonly backoff?: BackoffOptions;
  /**
   * How long a message failing with `internal` (an unknown error: a database incident, a bug) is retried, holding
   * its partition, before it is dead-lettered with code `internal` (default 15 min): an incident must not send valid
   * messages to the DLQ, and a message that fails for that long is set aside so the partition moves again.
   */
  readonly internalRetryMs?: number;
  /**
   * How long a message whose transition is not possible yet (delivered before shipped; an order not created yet) is
   * deferred and driven again before it is dead-lettered (default 10 min). It does not hold its partition.
   */
  readonly deferMs?: number;
  /** Backoff between drives of a deferred message (default 500 ms doubling up to 30 s, with jitter). */
  readonly deferBackoff?: BackoffOptions;
  /** Deferred messages kept at most; past it a message that is not possible yet holds its partition (default 10,000). */
  readonly maxDeferred?: number;
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
  /** Valid messages that asked for nothing (LOW/MEDIUM risk). */
  readonly ignored: number;
  readonly deadLettered: number;
  readonly retried: number;
  /** Messages deferred so far, and waiting now. */
  readonly deferredTotal: number;
  readonly deferred: number;
  /** Messages behind the end of the assigned partitions, as of the last batch fetched. */
  readonly lag: number;
}

export interface InboundConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the consumer has joined its group (after `start()`). */
  joined(): Promise<void>;
  stats(): ConsumerStats;
}
