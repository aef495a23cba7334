import { okAsync, type ResultAsync } from 'neverthrow';
import type { IdempotencyKey, IdempotencyStore } from './ports/idempotency.port.js';

/** Delays (ms) of the retries of a release that failed because the store was unreachable. */
const RELEASE_RETRY_DELAYS = [250, 1_000, 2_000, 4_000, 8_000];

/**
 * A claim whose release failed (the store was down) would hold its key as in flight until the lease runs out, long
 * after the store is back: the release is retried in the background until it goes through.
 */
const releaseLater = (
  idempotency: IdempotencyStore,
  key: IdempotencyKey,
  token: string,
  attempt = 0,
): void => {
  const delay = RELEASE_RETRY_DELAYS[attempt];
  if (delay === undefined) return;
  const timer = setTimeout(() => {
    void idempotency.release(key, token).orElse(() => {
      releaseLater(idempotency, key, token, attempt + 1);
      return okAsync(undefined);
    });
  }, delay);
  (timer as { unref?: () => void }).unref?.();
};

/** Gives a claim up (never fails: an unreachable store gets the release later). */
export const releaseClaim = (
  idempotency: IdempotencyStore,
  key: IdempotencyKey,
  token: string,
): ResultAsync<void, never> =>
  idempotency.release(key, token).orElse(() => {
    releaseLater(idempotency, key, token);
    return okAsync(undefined);
  });
