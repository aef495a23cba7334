import type { KafkaMessage } from 'kafkajs';
import { type BackoffOptions, backoffDelay } from '../relay/backoff.js';
import type { InboundMessage } from './processInbound.js';

/** A message whose command is not possible yet, waiting in memory to be driven again. */
export interface Deferred {
  readonly key: string;
  readonly message: InboundMessage;
  readonly raw: KafkaMessage;
  readonly orderId: string;
  /** When it was first deferred (ms). */
  readonly since: number;
  attempts: number;
}

const slotOf = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * Deferred messages: each is driven again after a backoff, and at once when another message of the same order was
 * applied (the shipment a delivery waited for). They live in memory only: the partition's committed offset stays
 * below the oldest deferred message, so after a crash or a rebalance it is read again (and what came after it
 * replays idempotently). Nothing behind it on the partition waits for it.
 */
export const createDeferrals = ({
  backoff,
  now,
  redrive,
}: {
  readonly backoff: BackoffOptions;
  readonly now: () => number;
  /** Drives a deferred message again; it calls `settled` or `reschedule`. */
  readonly redrive: (deferred: Deferred) => Promise<void>;
}) => {
  const entries = new Map<
    string,
    { deferred: Deferred; timer?: NodeJS.Timeout; running: boolean }
  >();

  const run = async (key: string) => {
    const entry = entries.get(key);
    if (!entry || entry.running) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.running = true;
    try {
      await redrive(entry.deferred);
    } finally {
      entry.running = false;
    }
  };

  const schedule = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(
      () => void run(key),
      backoffDelay(entry.deferred.attempts - 1, backoff),
    );
    entry.timer.unref?.();
  };

  return {
    get size() {
      return entries.size;
    },
    add(message: InboundMessage, raw: KafkaMessage, orderId: string): void {
      const key = `${slotOf(message.topic, message.partition)}/${message.offset}`;
      if (entries.has(key)) return;
      entries.set(key, {
        deferred: { key, message, raw, orderId, since: now(), attempts: 1 },
        running: false,
      });
      schedule(key);
    },
    /** Tries again later (after a longer backoff). */
    reschedule(deferred: Deferred): void {
      deferred.attempts += 1;
      schedule(deferred.key);
    },
    settled(deferred: Deferred): void {
      const entry = entries.get(deferred.key);
      if (entry?.timer) clearTimeout(entry.timer);
      entries.delete(deferred.key);
    },
    /** An order changed: its deferred messages are tried now. */
    orderChanged(orderId: string): void {
      for (const [key, entry] of entries)
        if (entry.deferred.orderId === orderId && !entry.running) void run(key);
    },
    /** The lowest deferred offset of a partition (the committed offset must stay at or below it). */
    lowestOffset(topic: string, partition: number): bigint | undefined {
      let lowest: bigint | undefined;
      for (const { deferred } of entries.values()) {
        if (deferred.message.topic !== topic || deferred.message.partition !== partition) continue;
        const offset = BigInt(deferred.message.offset);
        if (lowest === undefined || offset < lowest) lowest = offset;
      }
      return lowest;
    },
    /** Forgets the messages of partitions this member no longer owns (their next owner reads them again). */
    keepOnly(assigned: Readonly<Record<string, readonly number[]>>): void {
      for (const [key, { deferred, timer }] of entries)
        if (!assigned[deferred.message.topic]?.includes(deferred.message.partition)) {
          if (timer) clearTimeout(timer);
          entries.delete(key);
        }
    },
    clear(): void {
      for (const { timer } of entries.values()) if (timer) clearTimeout(timer);
      entries.clear();
    },
  };
};

export type Deferrals = ReturnType<typeof createDeferrals>;
