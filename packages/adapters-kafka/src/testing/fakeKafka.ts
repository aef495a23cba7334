import { DLQ_TOPIC, PUBLISHED_TOPIC_NAMES } from '@oms/domain';
import type { ITopicConfig, ProducerBatch, ProducerConfig, ProducerRecord } from 'kafkajs';
import type { AdminLike, KafkaLike, ProducerLike } from '../kafkaPorts.js';

export interface FakeSentMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface FakeKafka extends KafkaLike {
  readonly producerConfigs: ProducerConfig[];
  readonly batches: ProducerBatch[];
  readonly records: ProducerRecord[];
  readonly createdTopics: ITopicConfig[][];
  /** Every message acknowledged, in send order. */
  readonly sent: FakeSentMessage[];
  /** The next `count` sends fail with `error` (a broker outage). */
  failNext(count: number, error?: Error): void;
  /** Makes `createTopics` fail (e.g. no permission). */
  failTopicCreation(error: Error): void;
  /** Topics the cluster has (every published topic and the DLQ unless removed). */
  readonly topics: Set<string>;
}

const text = (value: unknown): string | null =>
  value === null || value === undefined
    ? null
    : Buffer.isBuffer(value)
      ? value.toString()
      : String(value);

/** A Kafka client in memory that records what it was asked: for unit tests of the producer settings. */
export const createFakeKafka = (): FakeKafka => {
  const producerConfigs: ProducerConfig[] = [];
  const batches: ProducerBatch[] = [];
  const records: ProducerRecord[] = [];
  const createdTopics: ITopicConfig[][] = [];
  const sent: FakeSentMessage[] = [];
  let failures = 0;
  let failure = new Error('KafkaJSConnectionError: connect ECONNREFUSED');
  let topicFailure: Error | undefined;
  const topics = new Set<string>([...PUBLISHED_TOPIC_NAMES, DLQ_TOPIC]);
  const accept = (topic: string, messages: ProducerRecord['messages']) => {
    for (const message of messages)
      sent.push({
        topic,
        key: text(message.key),
        value: text(message.value),
        headers: Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([name, value]) => [name, text(value) ?? '']),
        ),
      });
  };
  const fail = () => {
    if (failures <= 0) return false;
    failures -= 1;
    return true;
  };
  const producer = (): ProducerLike => ({
    connect: async () => {},
    disconnect: async () => {},
    async send(record) {
      if (fail()) throw failure;
      records.push(record);
      accept(record.topic, record.messages);
      return [];
    },
    async sendBatch(batch) {
      if (fail()) throw failure;
      batches.push(batch);
      for (const topicMessages of batch.topicMessages ?? [])
        accept(topicMessages.topic, topicMessages.messages);
      return [];
    },
  });
  const admin = (): AdminLike => ({
    connect: async () => {},
    disconnect: async () => {},
    async createTopics(options) {
      if (topicFailure) throw topicFailure;
      createdTopics.push(options.topics);
      return true;
    },
    listTopics: async () => [...topics],
    fetchTopicMetadata: async () => ({ topics: [] }),
  });
  return {
    producerConfigs,
    batches,
    records,
    createdTopics,
    sent,
    topics,
    producer(config) {
      producerConfigs.push(config ?? {});
      return producer();
    },
    admin,
    failNext(count, error) {
      failures = count;
      if (error) failure = error;
    },
    failTopicCreation(error) {
      topicFailure = error;
    },
  };
};
