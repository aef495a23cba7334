import type { ResultAsync } from 'neverthrow';
import type { OrderError } from '../../order/order.errors.js';
import type { IdempotencyError, InfrastructureError } from '../errors.js';
import type { IdempotencyKey, IdempotencyOutcome } from './idempotency.port.js';

/** Stored with every event (spec §3). */
export interface EventMetadata {
  readonly correlationId: string;
  readonly causationId: string | null;
  /** API key id, `shopify`, `kafka:<topic>`, `cli` or `anonymous`. */
  readonly actor: string;
  readonly idempotencyKey?: string;
  readonly traceparent?: string;
}

export interface NewEvent {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  /** When it happened (RFC 3339); the store records it as the event's time. */
  readonly occurredAt: string;
}

export interface RecordedEvent extends NewEvent {
  readonly streamId: string;
  /** 1 for the first event of a stream, rising by one. */
  readonly streamVersion: number;
  /** Position in the store's global order; rises with commit order as seen by `readAll`. */
  readonly globalPosition: number;
}

export interface ReadStreamOptions {
  /** Read up to and including this version. */
  readonly toVersion?: number;
  /** Read the events that occurred at or before this time. */
  readonly asOf?: Date;
}

export interface ReadStreamResult {
  readonly events: readonly RecordedEvent[];
  /** The stream's version as read (0: no such stream). */
  readonly version: number;
}

/**
 * Given to `appendToStream` so that an adapter completes the claimed idempotency record with the outcome in the same
 * transaction as the events. The only place a record is completed.
 */
export interface IdempotencyCompletion {
  readonly key: IdempotencyKey;
  readonly token: string;
  readonly outcome: IdempotencyOutcome;
}

export interface AppendOptions {
  /** The version the stream must be at (0: it must not exist). A mismatch is `concurrency-conflict`. */
  readonly expectedVersion: number;
  /**
   * Completes a claimed idempotency record, atomically with the events. With no events (a refusal, a no-op) the
   * store still checks `expectedVersion`, then completes the record: the outcome was decided on that version.
   * A record no longer held by this token is `idempotency-key-in-flight`, and nothing is stored.
   */
  readonly idempotency?: IdempotencyCompletion;
  /** The state after these events, for adapters that maintain read models in the same transaction. */
  readonly snapshot?: unknown;
}

export interface AppendResult {
  readonly nextVersion: number;
  readonly lastGlobalPosition: number;
}

export type ConcurrencyConflict = Extract<OrderError, { code: 'concurrency-conflict' }>;
export type EventStoreError = ConcurrencyConflict | InfrastructureError | IdempotencyError;

/** The source of truth and the outbox. */
export interface EventStore {
  readStream(
    streamId: string,
    options?: ReadStreamOptions,
  ): ResultAsync<ReadStreamResult, InfrastructureError>;
  appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): ResultAsync<AppendResult, EventStoreError>;
  /**
   * Events in global order after `afterPosition`, at most `limit`. Never skips an event that commits late with a
   * lower position: an event is returned only once every event before it is visible.
   */
  readAll(
    afterPosition: number,
    limit: number,
  ): ResultAsync<readonly RecordedEvent[], InfrastructureError>;
}
