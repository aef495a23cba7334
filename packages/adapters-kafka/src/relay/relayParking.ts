import type { EventStore, RecordedEvent } from '@oms/domain';
import { err, ok, type Result } from 'neverthrow';
import { messageOf } from '../errors.js';
import { buildMessages, type StateCache } from './buildMessages.js';
import { type SizedMessage, sizeByEvent, tooLarge } from './kafkaMessages.js';
import type { NewParkedEvent, ParkedEvent, ParkingStore } from './parking.port.js';
import type { RelayError } from './relay.types.js';

/** What to do with a batch: publish these messages, park these events; `held` wait behind a parked event. */
export interface ParkingPlan {
  readonly publish: readonly SizedMessage[];
  readonly park: readonly NewParkedEvent[];
  readonly held: number;
}

const storeError = (cause: unknown): RelayError => ({
  code: 'store-unavailable',
  message: `parked events: ${messageOf(cause)}`,
  cause,
});

const newParked = (event: RecordedEvent, reason: string): NewParkedEvent => ({
  globalPosition: event.globalPosition,
  streamId: event.streamId,
  streamVersion: event.streamVersion,
  eventId: event.eventId,
  eventType: event.type,
  reason,
});

/**
 * Events that cannot be published (a message above the broker's limit) are parked, and the order's later events
 * wait behind them (per-order order is the contract): they are not published until an operator retries the parked
 * event (published, then the ones behind it, once it fits) or skips it (the ones behind it are published). Every
 * other order keeps flowing.
 */
export const createRelayParking = ({
  store,
  relay,
  eventStore,
  cache,
  readConcurrency,
  maxBytes,
  pollMs,
  now,
  report,
}: {
  readonly store: ParkingStore;
  readonly relay: string;
  readonly eventStore: EventStore;
  readonly cache: StateCache;
  readonly readConcurrency: number;
  readonly maxBytes: number;
  readonly pollMs: number;
  readonly now: () => number;
  readonly report: (error: RelayError) => void;
}) => {
  let open: ParkedEvent[] = [];
  /** Orders with a parked event: stream id → the parked event's id. */
  let blocked = new Map<string, string>();
  let polledAt = Number.NEGATIVE_INFINITY;

  const refresh = async (force = false): Promise<Result<void, RelayError>> => {
    if (!force && now() - polledAt < pollMs) return ok(undefined);
    try {
      open = await store.open(relay);
    } catch (cause) {
      return err(storeError(cause));
    }
    polledAt = now();
    blocked = new Map();
    for (const parked of open)
      if (!blocked.has(parked.streamId)) blocked.set(parked.streamId, parked.id);
    return ok(undefined);
  };

  const reasonOf = (message: SizedMessage) =>
    `its ${message.record.topic} message is ${message.bytes} bytes, above the ${maxBytes}-byte limit (maxBatchBytes / max.message.bytes)`;

  const park = async (event: NewParkedEvent, again = false): Promise<ParkedEvent> => {
    const parked = await store.park(relay, event);
    blocked.set(parked.streamId, parked.id);
    open = [...open.filter((other) => other.id !== parked.id), parked];
    report({
      code: 'event-parked',
      message: `${again ? 'still parked' : 'parked'}: event ${event.eventType} v${event.streamVersion} of ${event.streamId} at position ${event.globalPosition} (parked id ${parked.id}): ${event.reason}; this order's later events wait for \`oms relay retry|skip ${parked.id}\``,
    });
    return parked;
  };

  return {
    /** Parked events waiting for an operator. */
    get count() {
      return open.length;
    },
    refresh,
    plan(
      events: readonly RecordedEvent[],
      byPosition: ReadonlyMap<number, readonly SizedMessage[]>,
    ): ParkingPlan {
      const publish: SizedMessage[] = [];
      const toPark: NewParkedEvent[] = [];
      const parking = new Set<string>();
      let held = 0;
      for (const event of events) {
        if (blocked.has(event.streamId) || parking.has(event.streamId)) {
          held += 1;
          continue;
        }
        const eventMessages = byPosition.get(event.globalPosition) ?? [];
        const large = eventMessages.find((message) => tooLarge(message, maxBytes));
        if (large) {
          toPark.push(newParked(event, reasonOf(large)));
          parking.add(event.streamId);
          continue;
        }
        publish.push(...eventMessages);
      }
      return { publish, park: toPark, held };
    },
    /** Records the plan's parked events (idempotent: a retried batch parks the same rows). */
    async persist(plan: ParkingPlan): Promise<Result<void, RelayError>> {
      try {
        for (const event of plan.park) await park(event);
        return ok(undefined);
      } catch (cause) {
        return err(storeError(cause));
      }
    },
    /**
     * Carries out operators' retry/skip requests: publishes the order's events from the parked one (retry) or the
     * one after it (skip) up to the checkpoint `at`, in order; events after `at` come with the normal batches.
     */
    async resolve(
      at: number,
      publish: (messages: readonly SizedMessage[]) => Promise<Result<void, RelayError>>,
    ): Promise<Result<number, RelayError>> {
      const polled = await refresh();
      if (polled.isErr()) return err(polled.error);
      const requested = open.filter((parked) => parked.status !== 'parked');
      let published = 0;
      for (const parked of requested) {
        const retry = parked.status === 'retry-requested';
        const stream = await eventStore.readStream(parked.streamId);
        if (stream.isErr())
          return err({
            code: 'store-unavailable',
            message: stream.error.message,
            cause: stream.error,
          });
        const from = retry ? parked.streamVersion : parked.streamVersion + 1;
        // later events past the checkpoint come with the normal batches (a parked event is never past it, unless
        // the relay died between parking it and saving the checkpoint)
        const upTo = Math.max(at, parked.globalPosition);
        const events = stream.value.events.filter(
          (event) => event.streamVersion >= from && event.globalPosition <= upTo,
        );
        const messages = await buildMessages(eventStore, events, cache, readConcurrency);
        if (messages.isErr())
          return err({
            code: 'mapping-failed',
            message: messages.error.message,
            cause: messages.error,
          });
        const byPosition = sizeByEvent(messages.value);
        const ready: SizedMessage[] = [];
        let stuck: NewParkedEvent | undefined;
        for (const event of events) {
          const eventMessages = byPosition.get(event.globalPosition) ?? [];
          const large = eventMessages.find((message) => tooLarge(message, maxBytes));
          if (large) {
            stuck = newParked(event, reasonOf(large));
            break;
          }
          ready.push(...eventMessages);
        }
        try {
          if (stuck?.globalPosition === parked.globalPosition) {
            await park(stuck, true);
            continue;
          }
          const sent = await publish(ready);
          if (sent.isErr()) return err(sent.error);
          published += ready.length;
          await store.settle(parked.id, retry ? 'published' : 'skipped');
          open = open.filter((other) => other.id !== parked.id);
          blocked.delete(parked.streamId);
          if (stuck) await park(stuck);
        } catch (cause) {
          return err(storeError(cause));
        }
      }
      return ok(published);
    },
  };
};

export type RelayParking = ReturnType<typeof createRelayParking>;
