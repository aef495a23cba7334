import type { ResultAsync } from 'neverthrow';
import type { OrderError } from '../../order/order.errors.js';
import type { InfrastructureError } from '../errors.js';

/**
 * An idempotency key within its source. The source is the entry point that issued the key (`http:<API key id>`,
 * `shopify`, `kafka:<topic>`, …): keys of one source never meet keys of another, so no client can claim the key a
 * webhook or a Kafka topic will use.
 */
export interface IdempotencyKey {
  readonly source: string;
  readonly key: string;
}

/**
 * What a request under a key came to, in the domain's words: the order at the version the request left it, or the
 * domain's final refusal. Entry points render it (the order's view at that version, a problem, a dead letter).
 */
export type IdempotencyOutcome =
  | { readonly kind: 'accepted'; readonly orderId: string; readonly version: number }
  | { readonly kind: 'refused'; readonly error: OrderError };

export interface IdempotencyRequest extends IdempotencyKey {
  /** A digest of what makes two requests the same (`requestFingerprint`). */
  readonly fingerprint: string;
  /** How long a claim holds before another request may take it over (a crashed first request). */
  readonly leaseMs?: number;
  /** How long the record is kept; at least 24 hours. */
  readonly retainMs?: number;
}

export type IdempotencyClaim =
  | { readonly kind: 'claimed'; readonly token: string }
  | { readonly kind: 'replay'; readonly outcome: IdempotencyOutcome }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in-flight' };

export const DEFAULT_IDEMPOTENCY_LEASE_MS = 30_000;
export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Idempotency keys. A claim is taken before the request runs. The record is completed by the event store only, in
 * the append that stores the request's events (or, for a refusal or a no-op, an append of no events), so that the
 * outcome is recorded in the same transaction as what it caused (`AppendOptions.idempotency`).
 */
export interface IdempotencyStore {
  claim(request: IdempotencyRequest): ResultAsync<IdempotencyClaim, InfrastructureError>;
  /** Gives a claim up without an outcome (the request failed on something passing), so that a retry runs again. */
  release(key: IdempotencyKey, token: string): ResultAsync<void, InfrastructureError>;
}
