import { CompressionTypes, type Message } from 'kafkajs';
import type { ProducerLike } from '../kafkaPorts.js';
import type { OutboundRecord, PartitionResult, RecordPublisher } from './publisher.port.js';

/**
 * Requests smaller than this (the characters of their records' keys and values: their bytes, for ASCII JSON) go
 * uncompressed by default. On the mock cluster, gzip on the few messages a relay keeping up under steady load sends
 * per request (5-15 KB) raised commit -> consumed from p50 24 / p99 60-67 ms to p50 31 / p99 81-167 ms: kafkajs
 * compresses each partition's records in a zlib job of its own, and the request waits for the slowest. A backlog's
 * requests (up to `maxBatchBytes`) are compressed as configured.
 */
export const DEFAULT_COMPRESS_MIN_BYTES = 16 * 1024;

/** The compression of a request of `bytes`: none below `minBytes`, `compression` from there on. */
export const requestCompression = (bytes: number, compression: number, minBytes: number): number =>
  bytes < minBytes ? CompressionTypes.None : compression;

/** The records of a request grouped by topic, in order (kafkajs keeps that order within each partition). */
const byTopic = (records: readonly OutboundRecord[]) => {
  const topics = new Map<string, Message[]>();
  for (const record of records) {
    let list = topics.get(record.topic);
    if (!list) {
      list = [];
      topics.set(record.topic, list);
    }
    list.push({ key: record.key, value: record.value, headers: { ...record.headers } });
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
};

/**
 * The relay's publisher on a kafkajs producer: one `sendBatch` per request (acks from all in-sync replicas).
 * kafkajs answers per partition when every partition succeeded and throws otherwise without saying which did:
 * then every topic of the request is reported failed (partition -1), and the relay publishes the request again.
 */
export const createKafkajsPublisher = ({
  producer,
  compression,
  compressMinBytes = DEFAULT_COMPRESS_MIN_BYTES,
  timeoutMs,
}: {
  readonly producer: ProducerLike;
  readonly compression: number;
  /** Requests smaller than this go uncompressed (default {@link DEFAULT_COMPRESS_MIN_BYTES}; 0: all compressed). */
  readonly compressMinBytes?: number;
  readonly timeoutMs: number;
}): RecordPublisher => ({
  connect: () => producer.connect(),
  disconnect: () => producer.disconnect(),
  async publish(records) {
    const topicMessages = byTopic(records);
    let bytes = 0;
    for (const record of records) bytes += record.key.length + record.value.length;
    try {
      const metadata = await producer.sendBatch({
        topicMessages,
        acks: -1,
        compression: requestCompression(bytes, compression, compressMinBytes),
        timeout: timeoutMs,
      });
      return metadata.map(
        (partition): PartitionResult =>
          partition.errorCode === 0
            ? {
                topic: partition.topicName,
                partition: partition.partition,
                ok: true,
                ...(partition.baseOffset === undefined ? {} : { baseOffset: partition.baseOffset }),
              }
            : {
                topic: partition.topicName,
                partition: partition.partition,
                ok: false,
                error: new Error(`broker error code ${partition.errorCode}`),
              },
      );
    } catch (error) {
      return topicMessages.map(({ topic }) => ({ topic, partition: -1, ok: false, error }));
    }
  },
});
