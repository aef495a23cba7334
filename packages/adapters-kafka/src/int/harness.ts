import {
  createOrderCommandHandler,
  type EventStore,
  ORDER_INPUT_SCHEMAS,
  type OrderCommandHandler,
  parseInput,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/testing';
import { Kafka, logLevel } from 'kafkajs';
import { expect, vi } from 'vitest';

/** A kafkajs client for tests: quiet, with short retries so an outage surfaces quickly to the relay's own backoff. */
export const testKafka = (brokers: readonly string[], clientId = 'oms-int-test'): Kafka =>
  new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
  });

export const commandHandler = (eventStore: EventStore): OrderCommandHandler =>
  createOrderCommandHandler({ eventStore, clock: systemClock, ids: uuidV7Generator });

const seedInput = () =>
  parseInput(ORDER_INPUT_SCHEMAS.CreateOrder, orderFixtures.seedCreateOrderBody())._unsafeUnwrap();

/** The seed flow: create (DRAFT) then confirm; returns the order id. */
export const createAndConfirm = async (
  handle: OrderCommandHandler,
  traceparent?: string,
): Promise<string> => {
  const created = await handle(
    { type: 'CreateOrder', input: seedInput() },
    { actor: 'int-test', ...(traceparent ? { traceparent } : {}) },
  );
  if (created.isErr()) throw new Error(`create failed: ${created.error.code}`);
  const orderId = created.value.view.id;
  const confirmed = await handle({ type: 'ConfirmOrder', orderId }, { actor: 'int-test' });
  if (confirmed.isErr()) throw new Error(`confirm failed: ${confirmed.error.code}`);
  return orderId;
};

/** Runs `count` jobs on `writers` concurrent workers. */
export const concurrently = async <T>(
  count: number,
  writers: number,
  job: (index: number) => Promise<T>,
): Promise<T[]> => {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        results[index] = await job(index);
      }
    }),
  );
  return results;
};

export const PUBLISHED = [
  'oms.orders.created',
  'oms.orders.confirmed',
  'oms.orders.cancelled',
  'oms.orders.shipped',
  'oms.orders.delivered',
  'oms.orders.status-changed',
];

/**
 * Test settings for librdkafka's mock cluster, which cannot do two real-cluster defaults:
 * - `idempotent: false`: InitProducerId goes to the controller, and the mock reports controller id 0, which is
 *   not one of its brokers ("Broker 0 not found in the cached metadata"). Through `startKafkaProxy` (which
 *   rewrites the controller id) it works, and the outage test keeps it on;
 * - `createTopics: false`: the mock does not implement CreateTopics ("does not support the requested API
 *   version"); it auto-creates topics (4 partitions) on first use instead.
 * The defaults stay on for real clusters and are covered by unit tests with a fake producer.
 */
export const MOCK_RELAY_OPTIONS = { idempotent: false, createTopics: false } as const;

/** The mock's settings on kcat's mock cluster; the real-cluster defaults when KAFKA_BROKERS names a cluster. */
export const mockSettings = (kafka: { readonly mock: boolean }) =>
  kafka.mock ? MOCK_RELAY_OPTIONS : ({} as Partial<typeof MOCK_RELAY_OPTIONS>);

/** The last position `readAll` shows (gap-free: every event at or before it is committed). */
export const headOf = async (eventStore: EventStore): Promise<number> => {
  let head = 0;
  for (;;) {
    const page = (await eventStore.readAll(head, 1_000))._unsafeUnwrap();
    const last = page.at(-1);
    if (!last) return head;
    head = last.globalPosition;
  }
};

/**
 * Waits until a consumer group's committed offsets reach the end of every partition of `topic` that holds messages:
 * everything it read is committed, so a crash from here on reads none of it again.
 */
export const waitForCommittedToEnd = async (
  client: Kafka,
  groupId: string,
  topic: string,
  timeoutMs = 20_000,
): Promise<void> => {
  const admin = client.admin();
  await admin.connect();
  try {
    await vi.waitFor(
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        for (const end of await admin.fetchTopicOffsets(topic)) {
          if (end.offset === '0') continue;
          const partition = committed?.partitions.find((p) => p.partition === end.partition);
          expect(partition?.offset).toBe(end.offset);
        }
      },
      { timeout: timeoutMs },
    );
  } finally {
    await admin.disconnect();
  }
};
