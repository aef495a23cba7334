import type { Message } from 'kafkajs';
import type { ProducerLike } from '../kafkaPorts.js';
import type { OutboundRecord, PartitionResult, RecordPublisher } from './publisher.port.js';

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
  timeoutMs,
}: {
  readonly producer: ProducerLike;
  readonly compression: number;
  readonly timeoutMs: number;
}): RecordPublisher => ({
  connect: () => producer.connect(),
  disconnect: () => producer.disconnect(),
  async publish(records) {
    const topicMessages = byTopic(records);
    try {
      const metadata = await producer.sendBatch({
        topicMessages,
        acks: -1,
        compression,
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
