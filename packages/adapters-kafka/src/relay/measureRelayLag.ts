import type { EventStore } from '@oms/domain';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import { messageOf } from '../errors.js';
import type { CheckpointStore } from './checkpoint.port.js';
import type { RelayError } from './createRelay.js';

export interface MeasuredLag {
  /** Committed events after the checkpoint (`atLeast` when the scan stopped at `maxScan`). */
  readonly events: number;
  readonly atLeast: boolean;
  /** Age of the oldest unpublished event (0 when caught up). */
  readonly seconds: number;
  readonly position: number;
}

/**
 * A relay's lag measured from the store and its checkpoint, without a running relay (for a CLI): it pages
 * through the events after the checkpoint, at most `maxScan` of them.
 */
export const measureRelayLag = ({
  eventStore,
  checkpoints,
  name = 'oms-relay',
  maxScan = 100_000,
  pageSize = 1_000,
  now = Date.now,
}: {
  readonly eventStore: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly name?: string;
  readonly maxScan?: number;
  readonly pageSize?: number;
  readonly now?: () => number;
}): ResultAsync<MeasuredLag, RelayError> =>
  ResultAsync.fromPromise(checkpoints.load(name), (cause) => ({
    code: 'checkpoint-failed' as const,
    message: messageOf(cause),
    cause,
  })).andThen((position) => {
    let oldest: number | undefined;
    const scan = (after: number, counted: number): ResultAsync<MeasuredLag, RelayError> => {
      if (counted >= maxScan)
        return okAsync({ events: counted, atLeast: true, seconds: secondsSince(oldest), position });
      return eventStore
        .readAll(after, Math.min(pageSize, maxScan - counted))
        .mapErr(
          (error): RelayError => ({
            code: 'store-unavailable',
            message: error.message,
            cause: error,
          }),
        )
        .andThen((page) => {
          const first = page[0];
          const last = page.at(-1);
          if (first && oldest === undefined) oldest = Date.parse(first.occurredAt);
          if (!last)
            return okAsync<MeasuredLag, RelayError>({
              events: counted,
              atLeast: false,
              seconds: secondsSince(oldest),
              position,
            });
          return scan(last.globalPosition, counted + page.length);
        });
    };
    const secondsSince = (at: number | undefined) =>
      at === undefined ? 0 : Math.max(0, (now() - at) / 1000);
    return position >= 0
      ? scan(position, 0)
      : errAsync({ code: 'checkpoint-failed' as const, message: 'negative checkpoint' });
  });
