import type { Consumer } from 'kafkajs';

export interface OffsetBookDeps {
  /** The oldest deferred message of a partition: the commit never passes it. */
  readonly lowestDeferred: (topic: string, partition: number) => bigint | undefined;
  readonly commitOffsets: Consumer['commitOffsets'];
  readonly report: (code: string, cause: unknown) => void;
}

/** Offsets are committed by hand: per partition, as far as the messages ran, never past a deferred one. */
export const createOffsetBook = ({ lowestDeferred, commitOffsets, report }: OffsetBookDeps) => {
  /** By `topic/partition`: the last offset run to an outcome (or deferred), the last committed, the lag. */
  const processed = new Map<string, bigint>();
  const committed = new Map<string, bigint>();
  const lags = new Map<string, number>();

  /**
   * Commits a partition up to what ran, never past its oldest deferred message; through `member` when given (the
   * consumer that ran the batch), otherwise through `commitOffsets`.
   */
  const commit = async (
    topic: string,
    partition: number,
    member?: Pick<Consumer, 'commitOffsets'>,
  ): Promise<void> => {
    const slot = `${topic}/${partition}`;
    const last = processed.get(slot);
    if (last === undefined) return;
    const lowest = lowestDeferred(topic, partition);
    const next = lowest !== undefined && lowest <= last ? lowest : last + 1n;
    if (committed.get(slot) === next) return;
    try {
      await (member ? member.commitOffsets.bind(member) : commitOffsets)([
        { topic, partition, offset: String(next) },
      ]);
      committed.set(slot, next);
    } catch (cause) {
      report('commit-failed', cause);
    }
  };

  return {
    commit,
    /** A message of a partition ran to an outcome (or was deferred); `highWatermark` is its batch's. */
    ran: (topic: string, partition: number, offset: string, highWatermark: string): void => {
      const slot = `${topic}/${partition}`;
      processed.set(slot, BigInt(offset));
      lags.set(slot, Math.max(0, Number(BigInt(highWatermark) - BigInt(offset) - 1n)));
    },
    /** The group was joined again: what this member ran and committed before says nothing now. */
    rejoined: (): void => {
      processed.clear();
      committed.clear();
    },
    lag: (): number => [...lags.values()].reduce((sum, lag) => sum + lag, 0),
  };
};
