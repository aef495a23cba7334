import type { RecordedEvent } from '@oms/domain';
import type { RelayLag, RelayStatus } from './relay.types.js';

/** What the relay knows of its own progress and health, for `lag()` and the metrics. */
export const createRelayLagTracker = ({
  batchSize,
  countPending,
  now,
}: {
  readonly batchSize: number;
  readonly countPending: ((afterPosition: number) => Promise<number>) | undefined;
  readonly now: () => number;
}) => {
  let oldestUnpublished: number | undefined;
  let waitingEstimate = 0;
  let counted: { readonly at: number; readonly count: number } | undefined;
  let countedAt = 0;
  let status: RelayStatus = 'stopped';
  let failures = 0;
  let failuresTotal = 0;
  let publishedEvents = 0;
  let publishedMessages = 0;
  let error: string | undefined;

  return {
    get status() {
      return status;
    },
    set status(next: RelayStatus) {
      status = next;
      if (next !== 'failed') error = undefined;
    },
    get failures() {
      return failures;
    },
    failed(reason: string) {
      status = 'failed';
      error = reason;
    },
    failure() {
      failures += 1;
      failuresTotal += 1;
    },
    success() {
      failures = 0;
    },
    caughtUp() {
      oldestUnpublished = undefined;
      waitingEstimate = 0;
    },
    read(events: readonly RecordedEvent[]) {
      const first = events[0];
      if (first) oldestUnpublished ??= Date.parse(first.occurredAt);
      waitingEstimate = Math.max(waitingEstimate, events.length);
    },
    published(events: readonly RecordedEvent[], messages: number) {
      publishedEvents += events.length;
      publishedMessages += messages;
      const last = events.at(-1);
      const full = events.length >= batchSize;
      oldestUnpublished = full && last ? Date.parse(last.occurredAt) : undefined;
      waitingEstimate = full ? batchSize : 0;
    },
    /** Counts the committed events after `position` (at most once a second). */
    async refreshCount(position: number | undefined) {
      if (!countPending || position === undefined || now() - countedAt < 1_000) return;
      countedAt = now();
      try {
        counted = { at: position, count: await countPending(position) };
      } catch {
        // the lag falls back to what was read
      }
    },
    snapshot(position: number, pendingEvents: number, parked: number): RelayLag {
      const events =
        counted !== undefined && counted.at === position
          ? Math.max(counted.count, pendingEvents)
          : waitingEstimate;
      return {
        events,
        seconds:
          oldestUnpublished === undefined ? 0 : Math.max(0, (now() - oldestUnpublished) / 1000),
        position,
        status,
        publishedEvents,
        publishedMessages,
        failures,
        failuresTotal,
        parked,
        ...(error === undefined ? {} : { error }),
      };
    },
  };
};

export type RelayLagTracker = ReturnType<typeof createRelayLagTracker>;
