import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { decide } from '../order/order.decide.js';
import { concurrencyConflict } from '../order/order.errors.js';
import { eventSchemaVersion, type OrderEventType } from '../order/order.events.js';
import { evolve } from '../order/order.evolve.js';
import type { Order, OrderState } from '../order/order.state.js';
import { foldStored } from '../order/order.upcast.js';
import { type OrderView, toOrderView } from '../order/order.view.js';
import type { ApplicationError } from './errors.js';
import { type OrderRequest, toCommand } from './orderRequests.js';
import type { Clock, IdGenerator } from './ports/clock.port.js';
import type {
  EventMetadata,
  EventStore,
  NewEvent,
  ReadStreamResult,
  RecordedEvent,
} from './ports/eventStore.port.js';
import type { IdempotencyStore, StoredResponse } from './ports/idempotency.port.js';

export interface CommandContext {
  readonly actor: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  /** `If-Match`: the version the client saw. A different current version fails at once, without a retry. */
  readonly expectedVersion?: number;
  /** A claimed idempotency key: its record is completed with the response, atomically with the events. */
  readonly idempotency?: {
    readonly key: string;
    readonly token: string;
    readonly respond: (outcome: CommandOutcome) => StoredResponse;
  };
}

export interface CommandOutcome {
  readonly order: Order;
  readonly view: OrderView;
  readonly version: number;
  /** The events this command appended; empty for an idempotent no-op. */
  readonly events: readonly NewEvent[];
}

export interface OrderCommandHandlerDeps {
  readonly eventStore: EventStore;
  readonly idempotency?: IdempotencyStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** How many times a command is re-read and re-decided after losing a race (default 5). */
  readonly maxRetries?: number;
}

export type OrderCommandHandler = (
  request: OrderRequest,
  context: CommandContext,
) => ResultAsync<CommandOutcome, ApplicationError>;

const NEW_STREAM: ReadStreamResult = { events: [], version: 0 };

/** The order's state from its stored events, each upcast by schema version (`foldStored`, order.upcast.ts). */
export const stateFromEvents = (events: readonly RecordedEvent[]): OrderState => foldStored(events);

/**
 * The command recipe:
 * 1. read the stream and fold it (a create's first attempt skips the read: its stream is new, and if it is not,
 *    the append's version check says so and the retry reads it);
 * 2. decide;
 * 3. append with the expected version (and the idempotency record and new state, in one transaction);
 * 4. on a version conflict, go back to 1, a bounded number of times (never when the client named a version).
 */
export const createOrderCommandHandler = (deps: OrderCommandHandlerDeps): OrderCommandHandler => {
  const { eventStore, clock, ids, maxRetries = 5 } = deps;

  const attempt = (
    request: OrderRequest,
    orderId: string,
    context: CommandContext,
    metadata: EventMetadata,
    retriesLeft: number,
    assumeNewStream: boolean,
  ): ResultAsync<CommandOutcome, ApplicationError> =>
    (assumeNewStream
      ? okAsync<ReadStreamResult, never>(NEW_STREAM)
      : eventStore.readStream(orderId)
    ).andThen((stream): ResultAsync<CommandOutcome, ApplicationError> => {
      const state = stateFromEvents(stream.events);
      if (context.expectedVersion !== undefined && context.expectedVersion !== stream.version)
        return errAsync(concurrencyConflict(context.expectedVersion, stream.version));
      const now = clock.now().toISOString();
      const decision = decide(toCommand(request, orderId, now, ids), state);
      if (decision.isErr()) return errAsync(decision.error);
      const domainEvents = decision.value;
      const next = domainEvents.reduce(evolve, state);
      if (next.status === 'NONE')
        return errAsync({
          code: 'order-not-found',
          message: `order ${orderId} does not exist`,
          orderId,
        });
      const outcome: CommandOutcome = {
        order: next,
        view: toOrderView(next),
        version: next.version,
        events: domainEvents.map((event) => ({
          eventId: ids.next(),
          type: event.type,
          schemaVersion: eventSchemaVersion(event.type as OrderEventType),
          data: event.data,
          metadata,
          occurredAt: now,
        })),
      };
      if (outcome.events.length === 0) return completeWithoutEvents(outcome, context);
      return eventStore
        .appendToStream(orderId, outcome.events, {
          expectedVersion: stream.version,
          snapshot: outcome.view,
          ...(context.idempotency
            ? {
                idempotency: {
                  key: context.idempotency.key,
                  token: context.idempotency.token,
                  response: context.idempotency.respond(outcome),
                },
              }
            : {}),
        })
        .map(() => outcome)
        .orElse((error): ResultAsync<CommandOutcome, ApplicationError> => {
          if (
            error.code === 'concurrency-conflict' &&
            context.expectedVersion === undefined &&
            retriesLeft > 0
          )
            return attempt(request, orderId, context, metadata, retriesLeft - 1, false);
          return errAsync(error);
        });
    });

  const completeWithoutEvents = (
    outcome: CommandOutcome,
    context: CommandContext,
  ): ResultAsync<CommandOutcome, ApplicationError> => {
    const { idempotency } = context;
    if (!idempotency || !deps.idempotency) return okAsync(outcome);
    return deps.idempotency
      .complete(idempotency.key, idempotency.token, idempotency.respond(outcome))
      .map(() => outcome);
  };

  return (request, context) => {
    const orderId =
      request.type === 'CreateOrder' ? (request.orderId ?? ids.next()) : request.orderId;
    const metadata: EventMetadata = {
      correlationId: context.correlationId ?? ids.next(),
      causationId: context.causationId ?? null,
      actor: context.actor,
      ...(context.idempotency ? { idempotencyKey: context.idempotency.key } : {}),
      ...(context.traceparent ? { traceparent: context.traceparent } : {}),
    };
    const assumeNewStream = request.type === 'CreateOrder' && context.expectedVersion === undefined;
    return attempt(request, orderId, context, metadata, maxRetries, assumeNewStream);
  };
};
