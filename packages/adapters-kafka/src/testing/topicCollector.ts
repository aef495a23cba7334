import { randomUUID } from 'node:crypto';
import { type Kafka, Kafka as KafkaClient, logLevel } from 'kafkajs';

export interface CollectedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** When this process received it (ms since the epoch). */
  readonly receivedAt: number;
}

export interface TopicCollector {
  readonly messages: readonly CollectedMessage[];
  /** Resolves when `predicate` holds for the messages collected so far; rejects after `timeoutMs`. */
  waitFor(
    predicate: (messages: readonly CollectedMessage[]) => boolean,
    timeoutMs?: number,
  ): Promise<readonly CollectedMessage[]>;
  stop(): Promise<void>;
}

export interface TopicCollectorOptions {
  readonly brokers: readonly string[] | (() => Promise<string[]>);
  readonly topics: readonly string[];
  readonly kafka?: Kafka;
  readonly onMessage?: (message: CollectedMessage) => void;
  /** Start at the beginning of the topics (default true) or at their end (only what is produced from now). */
  readonly fromBeginning?: boolean;
  /** How long the broker may hold a fetch waiting for data (default 100 ms). */
  readonly maxWaitTimeInMs?: number;
}

/**
 * Reads topics from the beginning in a fresh consumer group, for assertions in tests and benchmarks. Resolves
 * once the group has joined.
 */
export const startTopicCollector = async (
  options: TopicCollectorOptions,
): Promise<TopicCollector> => {
  const brokers = options.brokers;
  const kafka =
    options.kafka ??
    new KafkaClient({
      clientId: 'oms-test-collector',
      brokers: typeof brokers === 'function' ? brokers : [...brokers],
      logLevel: logLevel.NOTHING,
    });
  const consumer = kafka.consumer({
    groupId: `oms-test-collector-${randomUUID()}`,
    sessionTimeout: 6_000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: options.maxWaitTimeInMs ?? 100,
  });
  const messages: CollectedMessage[] = [];
  const waiters = new Set<() => void>();
  const joined = new Promise<void>((resolve) =>
    consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
  );
  await consumer.connect();
  await consumer.subscribe({
    topics: [...options.topics],
    fromBeginning: options.fromBeginning ?? true,
  });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const receivedAt = Date.now();
      for (const message of batch.messages) {
        const collected: CollectedMessage = {
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [
              name,
              (Array.isArray(value) ? value[0] : value)?.toString() ?? '',
            ]),
          ),
          receivedAt,
        };
        messages.push(collected);
        options.onMessage?.(collected);
      }
      for (const waiter of waiters) waiter();
    },
  });
  await joined;
  return {
    messages,
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(messages)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms with ${messages.length} messages`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => consumer.disconnect(),
  };
};
