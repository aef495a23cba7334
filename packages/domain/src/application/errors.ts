import type { OrderError } from '../order/order.errors.js';

/** Failures of the machinery around the domain: the store is down, or something unexpected broke. */
export type InfrastructureError =
  | { readonly code: 'service-unavailable'; readonly message: string }
  | { readonly code: 'internal'; readonly message: string; readonly cause?: unknown };

export type IdempotencyError =
  | { readonly code: 'idempotency-key-reused'; readonly message: string; readonly key: string }
  | { readonly code: 'idempotency-key-in-flight'; readonly message: string; readonly key: string };

export type QueryError = { readonly code: 'invalid-cursor'; readonly message: string };

/** Everything a use case can answer instead of a result. Codes are stable; only adapters map them to protocols. */
export type ApplicationError = OrderError | InfrastructureError | IdempotencyError | QueryError;
export type ApplicationErrorCode = ApplicationError['code'];

export const serviceUnavailable = (
  message = 'the event store is unreachable',
): InfrastructureError => ({
  code: 'service-unavailable',
  message,
});

export const internalError = (message: string, cause?: unknown): InfrastructureError => ({
  code: 'internal',
  message,
  ...(cause === undefined ? {} : { cause }),
});
