import { PUBLISHED_TOPIC_NAMES } from '@oms/domain';
import { err, ok, type Result } from 'neverthrow';
import { messageOf } from '../errors.js';
import { ensureTopics, type KafkaLike } from '../kafkaPorts.js';
import { failedPartitions, type OutboundRecord, type RecordPublisher } from './publisher.port.js';
import type { RelayError, RelayOptions } from './relay.types.js';

export interface RelayConnection {
  /** Connects the producer and, once, makes sure the published topics exist. */
  open(): Promise<Result<void, RelayError>>;
  /** Publishes one request; an error when any partition of it failed (the whole request is then sent again). */
  send(records: readonly OutboundRecord[]): Promise<Result<void, RelayError>>;
  /** Disconnects at once: nothing more is sent; resolves once what was in flight was answered or failed. */
  abort(): Promise<void>;
  close(): Promise<void>;
  readonly connected: boolean;
}

const attempt = async <T>(
  code: RelayError['code'],
  work: () => Promise<T>,
): Promise<Result<T, RelayError>> => {
  try {
    return ok(await work());
  } catch (cause) {
    return err({ code, message: messageOf(cause), cause });
  }
};

/** The published topics the cluster does not have, after asking it to create them when it may. */
const missingTopics = async (kafka: KafkaLike, autoCreate: boolean): Promise<string[]> => {
  const wanted = PUBLISHED_TOPIC_NAMES;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const listed = new Set(await admin.listTopics());
    const missing = wanted.filter((topic) => !listed.has(topic));
    if (missing.length === 0 || !autoCreate) return missing;
    // a metadata request for them is what makes a broker with auto-creation on create them
    await admin.fetchTopicMetadata({ topics: missing }).catch(() => undefined);
    const after = new Set(await admin.listTopics());
    return missing.filter((topic) => !after.has(topic));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
};

/** The relay's producer: connecting, checking the topics, sending, and cutting it off when the lease is lost. */
export const createRelayConnection = ({
  publisher,
  ownsProducer,
  kafka,
  options,
  report,
}: {
  readonly publisher: RecordPublisher;
  readonly ownsProducer: boolean;
  readonly kafka: KafkaLike | undefined;
  readonly options: RelayOptions;
  readonly report: (error: RelayError) => void;
}): RelayConnection => {
  let connected = false;
  let aborting: Promise<void> = Promise.resolve();
  let creationTried = false;
  let topicsChecked = false;

  const checkTopics = async (): Promise<Result<void, RelayError>> => {
    if (!kafka || topicsChecked) return ok(undefined);
    const creation = options.createTopics ?? true;
    if (creation && !creationTried) {
      creationTried = true;
      const created = await attempt('publish-failed', () =>
        ensureTopics(kafka, PUBLISHED_TOPIC_NAMES, typeof creation === 'object' ? creation : {}),
      );
      if (created.isErr())
        report({ ...created.error, message: `topic creation: ${created.error.message}` });
    }
    const missing = await attempt('publish-failed', () =>
      missingTopics(kafka, options.autoCreateTopics ?? true),
    );
    if (missing.isErr()) return err(missing.error);
    if (missing.value.length > 0)
      return err({
        code: 'topic-missing',
        message: `Kafka topic ${missing.value.join(', ')} does not exist and was not created (broker auto-creation off?): create it, then the relay starts publishing`,
      });
    topicsChecked = true;
    return ok(undefined);
  };

  return {
    get connected() {
      return connected;
    },
    async open() {
      if (!connected) {
        const connecting = await attempt('publish-failed', () => publisher.connect());
        if (connecting.isErr()) return err(connecting.error);
        connected = true;
      }
      return checkTopics();
    },
    async send(records) {
      const results = await attempt('publish-failed', () => publisher.publish(records));
      if (results.isErr()) return err(results.error);
      const [failed, ...others] = failedPartitions(results.value);
      if (!failed) return ok(undefined);
      return err({
        code: 'publish-failed',
        message: `${messageOf(failed.error)} (${1 + others.length} partition(s) of ${failed.topic}${others.length > 0 ? ' and others' : ''} not acknowledged)`,
        cause: failed.error,
      });
    },
    abort() {
      if (ownsProducer && connected) {
        connected = false;
        // kafkajs waits for the requests in flight to be answered or to fail before it disconnects
        aborting = publisher.disconnect().catch(() => undefined);
      }
      return aborting;
    },
    async close() {
      if (connected && ownsProducer) await publisher.disconnect().catch(() => undefined);
      connected = connected && !ownsProducer;
    },
  };
};
