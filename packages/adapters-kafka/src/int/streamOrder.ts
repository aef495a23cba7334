import { expect } from 'vitest';
import type { CollectedMessage, TopicCollector } from '../testing/topicCollector.js';

/**
 * In each partition, every key's stream versions rise (stream order per key); with `repeats`, a re-published
 * batch may repeat versions but never go back before them.
 */
export const expectStreamOrderPerKey = (messages: readonly CollectedMessage[], repeats = false) => {
  const last = new Map<string, number>();
  const sorted = [...messages].sort((a, b) =>
    a.topic === b.topic
      ? a.partition === b.partition
        ? Number(BigInt(a.offset) - BigInt(b.offset))
        : a.partition - b.partition
      : a.topic < b.topic
        ? -1
        : 1,
  );
  for (const message of sorted) {
    const slot = `${message.topic}/${message.key}`;
    const version = Number(message.headers['oms-stream-version']);
    const previous = last.get(slot) ?? 0;
    if (repeats)
      expect(version, `${slot}: ${previous} then ${version}`).toBeGreaterThanOrEqual(previous);
    else expect(version, `${slot}: ${previous} then ${version}`).toBeGreaterThan(previous);
    last.set(slot, version);
  }
};

/** These orders' collected messages, once `count` distinct events of theirs (CloudEvents ids) have arrived. */
export const waitForOrderMessages = async (
  collector: TopicCollector,
  orderIds: readonly string[],
  count: number,
  timeoutMs = 60_000,
): Promise<CollectedMessage[]> => {
  const keys = new Set(orderIds);
  const ofOrders = (all: readonly CollectedMessage[]) =>
    all.filter((message) => keys.has(message.key ?? ''));
  const messages = await collector.waitFor(
    (all) => new Set(ofOrders(all).map((message) => message.headers.ce_id)).size >= count,
    timeoutMs,
  );
  return ofOrders(messages);
};
