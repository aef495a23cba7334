import type { EventStore, RecordedEvent } from '@oms/domain';
import { err, ok, type Result } from 'neverthrow';
import { buildMessages, type RelayMessage, type StateCache } from './buildMessages.js';
import { type SizedMessage, sizeByEvent } from './kafkaMessages.js';
import type { RelayError } from './relay.types.js';

export interface ReadBatch {
  readonly events: readonly RecordedEvent[];
  readonly messages: readonly RelayMessage[];
  /** The messages serialized and sized, by the global position of their event. */
  readonly sized: ReadonlyMap<number, readonly SizedMessage[]>;
}

/**
 * Reads the next batch of committed events after a position, maps them to integration messages and serializes
 * them; with `prefetch`, the next batch is read, mapped and serialized while the broker acknowledges this one.
 */
export const createBatchReader = ({
  eventStore,
  cache,
  batchSize,
  lingerMs,
  readConcurrency,
}: {
  readonly eventStore: EventStore;
  readonly cache: StateCache;
  readonly batchSize: number;
  readonly lingerMs: number;
  readonly readConcurrency: number;
}) => {
  let prefetched:
    | { readonly from: number; readonly batch: Promise<Result<ReadBatch | undefined, RelayError>> }
    | undefined;

  const read = async (from: number): Promise<Result<readonly RecordedEvent[], RelayError>> => {
    const result = await eventStore.readAll(from, batchSize);
    return result.mapErr((error) => ({
      code: 'store-unavailable' as const,
      message: error.message,
      cause: error,
    }));
  };

  const readBatch = async (from: number): Promise<Result<ReadBatch | undefined, RelayError>> => {
    let events = await read(from);
    if (events.isErr()) return err(events.error);
    if (events.value.length === 0) return ok(undefined);
    if (lingerMs > 0 && events.value.length < batchSize) {
      await new Promise((resolve) => setTimeout(resolve, lingerMs));
      events = await read(from);
      if (events.isErr()) return err(events.error);
    }
    const batch = events.value;
    const messages = await buildMessages(eventStore, batch, cache, readConcurrency);
    if (messages.isErr())
      return err({
        code:
          messages.error.code === 'service-unavailable' ? 'store-unavailable' : 'mapping-failed',
        message: messages.error.message,
        cause: messages.error,
      });
    return ok({ events: batch, messages: messages.value, sized: sizeByEvent(messages.value) });
  };

  return {
    /** The batch after `from` (the prefetched one when it starts there). */
    next(from: number): Promise<Result<ReadBatch | undefined, RelayError>> {
      const ahead = prefetched?.from === from ? prefetched.batch : undefined;
      prefetched = undefined;
      return ahead ?? readBatch(from);
    },
    /** Starts reading the batch after this one (events committed meanwhile come with it, or with the next poll). */
    prefetch(after: ReadBatch) {
      const last = after.events.at(-1);
      if (last && !prefetched)
        prefetched = { from: last.globalPosition, batch: readBatch(last.globalPosition) };
    },
    /** Forgets what was read ahead (another relay may publish it first). */
    reset() {
      prefetched = undefined;
    },
  };
};
