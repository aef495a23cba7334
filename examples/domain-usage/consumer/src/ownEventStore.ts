// A consumer's own adapter of the EventStore port, built on ITS OWN neverthrow (another 8.x than the one
// @oms/domain was built with). It compiles only if the port's ResultAsync is the consumer's ResultAsync, i.e.
// neverthrow is a peer dependency and there is one copy of it.
import {
  type AppendOptions,
  type AppendResult,
  concurrencyConflict,
  type EventStore,
  type EventStoreError,
  type InfrastructureError,
  type NewEvent,
  type ReadStreamOptions,
  type ReadStreamResult,
  type RecordedEvent,
} from '@oms/domain';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';

export class OwnEventStore implements EventStore {
  private readonly streams = new Map<string, RecordedEvent[]>();
  private position = 0;

  readStream(
    streamId: string,
    options: ReadStreamOptions = {},
  ): ResultAsync<ReadStreamResult, InfrastructureError> {
    const events = (this.streams.get(streamId) ?? []).filter(
      (event) => options.toVersion === undefined || event.streamVersion <= options.toVersion,
    );
    return okAsync({ events, version: events.at(-1)?.streamVersion ?? 0 });
  }

  appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    { expectedVersion }: AppendOptions,
  ): ResultAsync<AppendResult, EventStoreError> {
    const stream = this.streams.get(streamId) ?? [];
    if (stream.length !== expectedVersion)
      return errAsync(concurrencyConflict(expectedVersion, stream.length));
    const recorded = events.map((event, index) => ({
      ...event,
      streamId,
      streamVersion: expectedVersion + index + 1,
      globalPosition: ++this.position,
    }));
    this.streams.set(streamId, [...stream, ...recorded]);
    return okAsync({
      nextVersion: expectedVersion + events.length,
      lastGlobalPosition: this.position,
    });
  }

  readAll(
    afterPosition: number,
    limit: number,
  ): ResultAsync<readonly RecordedEvent[], InfrastructureError> {
    const all = [...this.streams.values()]
      .flat()
      .sort((a, b) => a.globalPosition - b.globalPosition);
    return okAsync(all.filter((event) => event.globalPosition > afterPosition).slice(0, limit));
  }
}
