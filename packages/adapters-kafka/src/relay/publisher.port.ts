/**
 * The relay's producer port, in the relay's words and no client's: records in, one result per partition out. The
 * kafkajs adapter (`createKafkajsPublisher`) implements it today; a faster client can be another adapter.
 */
export interface OutboundRecord {
  readonly topic: string;
  /** The partitioning key (the order id): every record of an order lands on the same partition. */
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What the broker said about one partition of a request. */
export type PartitionResult =
  | {
      readonly topic: string;
      readonly partition: number;
      readonly ok: true;
      /** Offset of the partition's first record of the request, when the client reports it. */
      readonly baseOffset?: string;
    }
  | {
      readonly topic: string;
      /** -1 when the client cannot say which partitions failed (the whole request is then failed). */
      readonly partition: number;
      readonly ok: false;
      readonly error: unknown;
    };

export interface RecordPublisher {
  /**
   * True when requests may be published without waiting for the previous one's answer: they are sent in call
   * order, and once one fails, those called before its failure was answered fail too without being sent (each
   * partition keeps its order). The relay then keeps a batch's requests in flight together.
   */
  readonly pipelined?: boolean;
  connect(): Promise<void>;
  /** Waits for the requests in flight to be answered or to fail, then disconnects. */
  disconnect(): Promise<void>;
  /**
   * Publishes the records, acknowledged by all in-sync replicas. Records of a partition land in the order given.
   * Resolves with one result per partition touched (it does not throw for a broker's refusal); a partition with
   * `ok: false` may have been written in part, so its records are published again: at-least-once.
   */
  publish(records: readonly OutboundRecord[]): Promise<readonly PartitionResult[]>;
}

/** The failed partitions of a request's results (empty: every record was acknowledged). */
export const failedPartitions = (results: readonly PartitionResult[]) =>
  results.filter((result): result is Extract<PartitionResult, { ok: false }> => !result.ok);
