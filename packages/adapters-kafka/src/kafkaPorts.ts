import type {
  ITopicConfig,
  ProducerBatch,
  ProducerConfig,
  ProducerRecord,
  RecordMetadata,
} from 'kafkajs';
import { CompressionTypes } from 'kafkajs';

/** The part of a kafkajs producer the adapters use (a fake one implements it in unit tests). */
export interface ProducerLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>;
}

export interface AdminLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  createTopics(options: {
    topics: ITopicConfig[];
    waitForLeaders?: boolean;
    timeout?: number;
  }): Promise<boolean>;
  /** Every topic of the cluster (a metadata request that creates nothing). */
  listTopics(): Promise<string[]>;
  /** Metadata of these topics: on a broker with auto-creation on, this creates them. */
  fetchTopicMetadata(options: { topics: string[] }): Promise<unknown>;
}

/** The part of a kafkajs `Kafka` client the adapters use. */
export interface KafkaLike {
  producer(config?: ProducerConfig): ProducerLike;
  admin(): AdminLike;
}

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export const COMPRESSION_TYPES: Readonly<Record<CompressionName, CompressionTypes>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** Producer settings for a real cluster: idempotent with ordered retries (on unless turned off), extras on top. */
export const clusterProducerConfig = (
  idempotent: boolean,
  extra: ProducerConfig = {},
): ProducerConfig => ({
  allowAutoTopicCreation: true,
  ...extra,
  idempotent,
  ...(idempotent ? { maxInFlightRequests: 1 } : {}),
});

export interface TopicCreationOptions {
  /** Partitions of a created topic (default -1: the broker's `num.partitions`). */
  readonly numPartitions?: number;
  /** Replication factor of a created topic (default -1: the broker's `default.replication.factor`). */
  readonly replicationFactor?: number;
}

/**
 * Creates the topics that do not exist yet. An existing topic is not an error; any other failure (no permission,
 * an old broker) is reported and the adapter carries on with the topics as they are.
 */
export const ensureTopics = async (
  kafka: KafkaLike,
  topics: readonly string[],
  options: TopicCreationOptions,
): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({
        topic,
        numPartitions: options.numPartitions ?? -1,
        replicationFactor: options.replicationFactor ?? -1,
      })),
    });
  } finally {
    await admin.disconnect();
  }
};
