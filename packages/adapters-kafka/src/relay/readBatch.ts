import type { EventStore, RecordedEvent } from '@oms/domain';
import { err, ok, type Result } from 'neverthrow';
import { buildMessages, type RelayMessage, type StateCache } from './buildMessages.js';
import { type SizedMessage, sizeByEvent } from './kafkaMessages.js';
import type { RelayError } from './relay.types.js';
import { type RelayShard, shardOf } from './shards.js';

export interface ReadBatch {
  /** The events this relay publishes (with shards: those of its shard). */
  readonly events: readonly RecordedEvent[];
  /** The global position read up to (the checkpoint once the batch is published). */
  readonly readTo: number;
  /** Events read and passed over: they belong to other shards. */
  readonly skipped: number;
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
  shard,
  stopAt,
}: {
  readonly shard?: RelayShard | undefined;
  /** Nothing past this global position is read (a re-shard drains the old shards to one position). */
  readonly stopAt?: number | undefined;
  readonly eventStore: EventStore;
  readonly cache: StateCache;
  readonly batchSize: number;
  readonly lingerMs: number;
  readonly readConcurrency: number;
}) => {
  let prefetched:
    | { readonly from: number; readonly batch: Promise<Result<ReadBatch | undefined, RelayError>> }
    | undefined;

  const readEvents = async (
    from: number,
  ): Promise<Result<readonly RecordedEvent[], RelayError>> => {
    const result = await eventStore.readAll(from, batchSize);
    return result.mapErr((error) => ({
      code: 'store-unavailable' as const,
      message: error.message,
      cause: error,
    }));
  };

  const readBatch = async (from: number): Promise<Result<ReadBatch | undefined, RelayError>> => {
    let events = await readEvents(from);
    if (events.isErr()) return err(events.error);
    if (events.value.length === 0) return ok(undefined);
    if (lingerMs > 0 && events.value.length < batchSize) {
      await new Promise((resolve) => setTimeout(resolve, lingerMs));
      events = await readEvents(from);
      if (events.isErr()) return err(events.error);
    }
    const read =
      stopAt === undefined
        ? events.value
        : events.value.filter((event) => event.globalPosition <= stopAt);
    if (read.length === 0) return ok(undefined);
    const readTo = read.at(-1)?.globalPosition ?? from;
    const batch =
      shard && shard.count > 1
        ? read.filter((event) => shardOf(event.streamId, shard.count) === shard.index)
        : read;
    const messages = await buildMessages(eventStore, batch, cache, readConcurrency);
    if (messages.isErr())
      return err({
        code:
          messages.error.code === 'service-unavailable' ? 'store-unavailable' : 'mapping-failed',
        message: messages.error.message,
        cause: messages.error,
      });
    return ok({
      events: batch,
      readTo,
      skipped: read.length - batch.length,
      messages: messages.value,
      sized: sizeByEvent(messages.value),
    });
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
      if (!prefetched) prefetched = { from: after.readTo, batch: readBatch(after.readTo) };
    },
    /** Forgets what was read ahead (another relay may publish it first). */
    reset() {
      prefetched = undefined;
    },
  };
};
