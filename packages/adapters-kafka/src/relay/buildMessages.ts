import {
  type EventStore,
  evolve,
  type InfrastructureError,
  type IntegrationMessage,
  initialState,
  isPersonalDataErased,
  type OrderState,
  personalDataErasedMessage,
  type RecordedEvent,
  stateFromEvents,
  toDomainEvent,
  toIntegrationMessages,
} from '@oms/domain';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';

/** Order states by stream, most recently used last, bounded so that memory never grows with the backlog. */
export interface StateCache {
  get(streamId: string): { readonly version: number; readonly state: OrderState } | undefined;
  set(streamId: string, version: number, state: OrderState): void;
  readonly size: number;
}

export const createStateCache = (capacity: number): StateCache => {
  const entries = new Map<string, { version: number; state: OrderState }>();
  return {
    get: (streamId) => entries.get(streamId),
    set(streamId, version, state) {
      entries.delete(streamId);
      entries.set(streamId, { version, state });
      while (entries.size > capacity) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
    get size() {
      return entries.size;
    },
  };
};

/** An integration message and the version of the stored event it came from. */
export interface RelayMessage extends IntegrationMessage {
  readonly streamVersion: number;
}

/**
 * The integration messages of a batch of stored events in global order. Each event needs the order's state just
 * before it: from the cache when the stream was seen at the previous version, the empty state for a stream's
 * first event, otherwise by reading the stream up to that version (the streams touched by the batch only).
 */
export const buildMessages = (
  eventStore: EventStore,
  events: readonly RecordedEvent[],
  cache: StateCache,
  readConcurrency: number,
): ResultAsync<RelayMessage[], InfrastructureError> => {
  const states = new Map<string, OrderState>();
  const toRead: { streamId: string; toVersion: number }[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    if (isPersonalDataErased(event) || seen.has(event.streamId)) continue;
    seen.add(event.streamId);
    const cached = cache.get(event.streamId);
    if (event.streamVersion === 1) states.set(event.streamId, initialState());
    else if (cached && cached.version === event.streamVersion - 1)
      states.set(event.streamId, cached.state);
    else toRead.push({ streamId: event.streamId, toVersion: event.streamVersion - 1 });
  }
  return readStates(eventStore, toRead, readConcurrency).andThen((read) => {
    for (const [streamId, state] of read) states.set(streamId, state);
    try {
      const messages: RelayMessage[] = [];
      for (const event of events) {
        // an erasure notice lives in a stream of its own (privacy-<orderId>): no order state to fold
        if (isPersonalDataErased(event)) {
          messages.push({
            ...personalDataErasedMessage(event),
            streamVersion: event.streamVersion,
          });
          continue;
        }
        const before = states.get(event.streamId) ?? initialState();
        const read = toDomainEvent(event);
        // an event this version cannot read (a newer replica wrote it) is not skipped: it would never be published
        if (read.isErr())
          return errAsync<RelayMessage[], InfrastructureError>({
            code: 'internal',
            message: `stored event ${event.eventId} (${read.error.type} v${read.error.schemaVersion}) is unknown to this version: upgrade the relay`,
          });
        const after = evolve(before, read.value);
        for (const message of toIntegrationMessages(event, before, after))
          messages.push({ ...message, streamVersion: event.streamVersion });
        states.set(event.streamId, after);
        cache.set(event.streamId, event.streamVersion, after);
      }
      return okAsync(messages);
    } catch (cause) {
      return errAsync<RelayMessage[], InfrastructureError>({
        code: 'internal',
        message: `cannot map stored events to integration messages: ${String(cause)}`,
        cause,
      });
    }
  });
};

const readStates = (
  eventStore: EventStore,
  reads: readonly { streamId: string; toVersion: number }[],
  concurrency: number,
): ResultAsync<Map<string, OrderState>, InfrastructureError> => {
  const states = new Map<string, OrderState>();
  const readChunk = (start: number): ResultAsync<Map<string, OrderState>, InfrastructureError> => {
    if (start >= reads.length) return okAsync(states);
    const chunk = reads.slice(start, start + Math.max(1, concurrency));
    return ResultAsync.combine(
      chunk.map(({ streamId, toVersion }) =>
        eventStore.readStream(streamId, { toVersion }).andThen((stream) =>
          stream.version === toVersion
            ? okAsync({ streamId, state: stateFromEvents(stream.events) })
            : errAsync<{ streamId: string; state: OrderState }, InfrastructureError>({
                code: 'internal',
                message: `stream ${streamId} has version ${stream.version}, expected ${toVersion}`,
              }),
        ),
      ),
    ).andThen((results) => {
      for (const { streamId, state } of results) states.set(streamId, state);
      return readChunk(start + chunk.length);
    });
  };
  return readChunk(0);
};
