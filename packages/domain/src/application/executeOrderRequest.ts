import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { OrderError } from '../order/order.errors.js';
import { type OrderView, toOrderView } from '../order/order.view.js';
import { type ApplicationError, internalError } from './errors.js';
import { requestFingerprint } from './fingerprint.js';
import {
  type CommandContext,
  type CommandResult,
  createOrderCommandRunner,
  type OrderCommandHandlerDeps,
  stateFromEvents,
} from './handleOrderCommand.js';
import type { OrderRequest } from './orderRequests.js';
import type { EventStore } from './ports/eventStore.port.js';
import type {
  IdempotencyKey,
  IdempotencyOutcome,
  IdempotencyStore,
} from './ports/idempotency.port.js';
import { releaseClaim } from './releaseClaim.js';

/** An idempotency key as an entry point gives it. */
export interface RequestIdempotency extends IdempotencyKey {
  /**
   * What must be equal for two requests under this key to be the same request (default: the `OrderRequest`). A
   * source whose key already names the request (the Shopify webhook: one key per Shopify order) gives that identity.
   */
  readonly identity?: unknown;
}

/** One request from any entry point (HTTP, the Shopify webhook, the Kafka consumer, the CLI). */
export interface OrderRequestExecution extends CommandContext {
  readonly request: OrderRequest;
  readonly idempotency?: RequestIdempotency;
}

/**
 * What the request came to, in the domain's words; the entry point renders it. `replayed`: the outcome is the one
 * recorded for an earlier request with the same key (the view is the order AT the version that request left it).
 */
export type OrderRequestOutcome =
  | {
      readonly kind: 'accepted';
      readonly orderId: string;
      readonly version: number;
      readonly view: OrderView;
      readonly replayed: boolean;
    }
  | { readonly kind: 'refused'; readonly error: OrderError; readonly replayed: boolean };

/**
 * The one write path. Errors are what was not recorded (`classifyFailure`: not-yet or transient, and the key's own
 * `idempotency-key-reused` / `idempotency-key-in-flight`): a retry of the same request runs it again.
 */
export type ExecuteOrderRequest = (
  execution: OrderRequestExecution,
) => ResultAsync<OrderRequestOutcome, ApplicationError>;

export interface ExecuteOrderRequestDeps extends OrderCommandHandlerDeps {
  /** Without it, keys are accepted and ignored (every request runs). */
  readonly idempotency?: IdempotencyStore;
  /** How long a claim holds before a crashed request's key may be taken over (default 30 s). */
  readonly idempotencyLeaseMs?: number;
}

/** The order as the recorded request left it: its stream read up to that version and folded. */
const viewAt = (
  eventStore: EventStore,
  orderId: string,
  version: number,
): ResultAsync<OrderView, ApplicationError> =>
  eventStore
    .readStream(orderId, { toVersion: version })
    .andThen((stream): ResultAsync<OrderView, ApplicationError> => {
      const state = stateFromEvents(stream.events);
      if (state.status === 'NONE' || state.version !== version)
        return errAsync(
          internalError(
            `order ${orderId} has no version ${version} to replay (found ${stream.version})`,
          ),
        );
      return okAsync(toOrderView(state));
    });

const replay = (
  eventStore: EventStore,
  outcome: IdempotencyOutcome,
): ResultAsync<OrderRequestOutcome, ApplicationError> =>
  outcome.kind === 'refused'
    ? okAsync({ kind: 'refused', error: outcome.error, replayed: true })
    : viewAt(eventStore, outcome.orderId, outcome.version).map(
        (view): OrderRequestOutcome => ({
          kind: 'accepted',
          orderId: outcome.orderId,
          version: outcome.version,
          view,
          replayed: true,
        }),
      );

const firstAnswer = (result: CommandResult): OrderRequestOutcome =>
  result.kind === 'refused'
    ? { kind: 'refused', error: result.error, replayed: false }
    : {
        kind: 'accepted',
        orderId: result.outcome.view.id,
        version: result.outcome.version,
        view: result.outcome.view,
        replayed: false,
      };

/**
 * The application use case behind every entry point: claims the request's key within its source, answers a replay
 * from the recorded outcome, or runs the command, which records its outcome with its events. A failure that is not
 * final gives the claim up, so that a retry runs the request again.
 */
export const createExecuteOrderRequest = (deps: ExecuteOrderRequestDeps): ExecuteOrderRequest => {
  const run = createOrderCommandRunner(deps);
  return ({ request, idempotency: requested, ...context }) => {
    const { idempotency } = deps;
    if (!requested || !idempotency) return run(request, context).map(firstAnswer);
    const key: IdempotencyKey = { source: requested.source, key: requested.key };
    return idempotency
      .claim({
        ...key,
        fingerprint: requestFingerprint(requested.identity ?? request),
        ...(deps.idempotencyLeaseMs === undefined ? {} : { leaseMs: deps.idempotencyLeaseMs }),
      })
      .andThen((claim): ResultAsync<OrderRequestOutcome, ApplicationError> => {
        switch (claim.kind) {
          case 'replay':
            return replay(deps.eventStore, claim.outcome);
          case 'mismatch':
            return errAsync({
              code: 'idempotency-key-reused',
              message: 'this Idempotency-Key was used for a different request',
              key: key.key,
            });
          case 'in-flight':
            return errAsync({
              code: 'idempotency-key-in-flight',
              message: 'a request with this Idempotency-Key is still being processed',
              key: key.key,
            });
          case 'claimed':
            return run(request, context, { key, token: claim.token })
              .map(firstAnswer)
              .orElse((error) =>
                releaseClaim(idempotency, key, claim.token).andThen(() => errAsync(error)),
              );
          default: {
            const unhandled: never = claim;
            return unhandled;
          }
        }
      });
  };
};
