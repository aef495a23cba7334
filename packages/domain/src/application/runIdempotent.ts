import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { ApplicationError } from './errors.js';
import type { CommandContext, CommandOutcome, OrderCommandHandler } from './handleOrderCommand.js';
import type { OrderRequest } from './orderRequests.js';
import type {
  IdempotencyRequest,
  IdempotencyStore,
  StoredResponse,
} from './ports/idempotency.port.js';

export interface IdempotentRun {
  readonly idempotency: IdempotencyRequest;
  readonly request: OrderRequest;
  readonly context: Omit<CommandContext, 'idempotency'>;
  /** The answer to record for a success. */
  readonly respond: (outcome: CommandOutcome) => StoredResponse;
  /** The answer to record for a domain refusal (it is final, so a retry gets the same answer). */
  readonly respondError: (error: ApplicationError) => StoredResponse;
  /**
   * Whether a domain refusal is final and recorded (default: every one). A message consumer answers false for a
   * transition that may become possible later (delivered before shipped), so that its redelivery runs again.
   */
  readonly isFinal?: (error: ApplicationError) => boolean;
}

export interface IdempotentAnswer {
  readonly response: StoredResponse;
  readonly replayed: boolean;
  readonly outcome?: CommandOutcome;
}

/**
 * Answers that say nothing final about the request: the claim is given up so that a retry runs it again. An order
 * that does not exist yet may exist by the retry (a webhook or message that overtook the create), so its 404 is
 * not recorded either.
 */
const NOT_FINAL: ReadonlySet<ApplicationError['code']> = new Set([
  'service-unavailable',
  'internal',
  'concurrency-conflict',
  'order-not-found',
]);

/** Delays (ms) of the retries of a release that failed because the store was unreachable. */
const RELEASE_RETRY_DELAYS = [250, 1_000, 2_000, 4_000, 8_000];

/**
 * A claim whose release failed (the store was down) would hold its key as in flight until the lease runs out, long
 * after the store is back: the release is retried in the background until it goes through.
 */
const releaseLater = (
  idempotency: IdempotencyStore,
  key: string,
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

/**
 * Runs a command under an idempotency key: a replay answers the recorded response, a reuse with another request
 * is `idempotency-key-reused`, a key still running is `idempotency-key-in-flight`.
 */
export const runIdempotent = (
  deps: { readonly idempotency: IdempotencyStore; readonly handle: OrderCommandHandler },
  run: IdempotentRun,
): ResultAsync<IdempotentAnswer, ApplicationError> => {
  const { key } = run.idempotency;
  return deps.idempotency
    .claim(run.idempotency)
    .andThen((claim): ResultAsync<IdempotentAnswer, ApplicationError> => {
      switch (claim.kind) {
        case 'replay':
          return okAsync({ response: claim.response, replayed: true });
        case 'mismatch':
          return errAsync({
            code: 'idempotency-key-reused',
            message: 'this Idempotency-Key was used for a different request',
            key,
          });
        case 'in-flight':
          return errAsync({
            code: 'idempotency-key-in-flight',
            message: 'a request with this Idempotency-Key is still being processed',
            key,
          });
        case 'claimed':
          return deps
            .handle(run.request, {
              ...run.context,
              idempotency: { key, token: claim.token, respond: run.respond },
            })
            .map(
              (outcome): IdempotentAnswer => ({
                response: run.respond(outcome),
                replayed: false,
                outcome,
              }),
            )
            .orElse((error): ResultAsync<IdempotentAnswer, ApplicationError> => {
              if (
                NOT_FINAL.has(error.code) ||
                error.code.startsWith('idempotency-') ||
                run.isFinal?.(error) === false
              )
                return deps.idempotency
                  .release(key, claim.token)
                  .orElse(() => {
                    releaseLater(deps.idempotency, key, claim.token);
                    return okAsync(undefined);
                  })
                  .andThen(() => errAsync(error));
              const response = run.respondError(error);
              return deps.idempotency
                .complete(key, claim.token, response)
                .map(() => ({ response, replayed: false }));
            });
        default: {
          const unhandled: never = claim;
          return unhandled;
        }
      }
    });
};
