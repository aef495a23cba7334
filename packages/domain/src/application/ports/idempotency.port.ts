import type { ResultAsync } from 'neverthrow';
import type { InfrastructureError } from '../errors.js';

/** The answer given to the first request, replayed to its retries. */
export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface IdempotencyRequest {
  readonly key: string;
  /** A digest of what makes two requests the same (method, path, body). */
  readonly fingerprint: string;
  /** How long a claim holds before another request may take it over (a crashed first request). */
  readonly leaseMs?: number;
  /** How long the completed record is kept; at least 24 hours. */
  readonly retainMs?: number;
}

export type IdempotencyClaim =
  | { readonly kind: 'claimed'; readonly token: string }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in-flight' };

export const DEFAULT_IDEMPOTENCY_LEASE_MS = 30_000;
export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Idempotency keys. A claim is taken before the command runs; the record is completed either by the event store in
 * the transaction that appends the command's events (`AppendOptions.idempotency`), or here when the command caused
 * no events (a domain error, a no-op).
 */
export interface IdempotencyStore {
  claim(request: IdempotencyRequest): ResultAsync<IdempotencyClaim, InfrastructureError>;
  complete(
    key: string,
    token: string,
    response: StoredResponse,
  ): ResultAsync<void, InfrastructureError>;
  /** Gives a claim up without an answer (the store was unreachable), so that a retry runs the request again. */
  release(key: string, token: string): ResultAsync<void, InfrastructureError>;
}
