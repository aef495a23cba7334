import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { type DecideOptions, decide } from '../order/order.decide.js';
import { concurrencyConflict, type OrderError } from '../order/order.errors.js';
import { eventSchemaVersion, type OrderEventType } from '../order/order.events.js';
import { evolve } from '../order/order.evolve.js';
import type { Order, OrderState } from '../order/order.state.js';
import { foldStored } from '../order/order.upcast.js';
import { type OrderView, toOrderView } from '../order/order.view.js';
import type { ApplicationError } from './errors.js';
import { classifyFailure } from './failures.js';
import { type OrderRequest, toCommand } from './orderRequests.js';
import type { Clock, IdGenerator } from './ports/clock.port.js';
import type {
  EventMetadata,
  EventStore,
  NewEvent,
  ReadStreamResult,
  RecordedEvent,
} from './ports/eventStore.port.js';
import type { IdempotencyKey, IdempotencyOutcome } from './ports/idempotency.port.js';

export interface CommandContext {
  readonly actor: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly traceparent?: string;
  /** `If-Match`: the version the client saw. A different current version fails at once, without a retry. */
  readonly expectedVersion?: number;
}

export interface CommandOutcome {
  readonly order: Order;
  readonly view: OrderView;
  readonly version: number;
  /** The events this command appended; empty for an idempotent no-op. */
  readonly events: readonly NewEvent[];
}

/** A claimed idempotency key: the command completes its record with the outcome, in the append. */
export interface HeldIdempotencyKey {
  readonly key: IdempotencyKey;
  readonly token: string;
}

/** What a command came to: accepted (stored), or refused for good by the domain (`classifyFailure` says final). */
export type CommandResult =
  | { readonly kind: 'accepted'; readonly outcome: CommandOutcome }
  | { readonly kind: 'refused'; readonly error: OrderError };

export interface OrderCommandHandlerDeps {
  readonly eventStore: EventStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** How many times a command is re-read and re-decided after losing a race (default 5). */
  readonly maxRetries?: number;
  /** Spec §6 (`OMS_CONFIRM_REQUIRES_PAYMENT`): a confirm of an unpaid order places an `AWAITING_PAYMENT` hold. */
  readonly confirmRequiresPayment?: boolean;
}

export type OrderCommandHandler = (
  request: OrderRequest,
  context: CommandContext,
) => ResultAsync<CommandOutcome, ApplicationError>;

/** Runs one command; with a held key, its outcome (or final refusal) is recorded in the same append. */
export type OrderCommandRunner = (
  request: OrderRequest,
  context: CommandContext,
  held?: HeldIdempotencyKey,
) => ResultAsync<CommandResult, ApplicationError>;

const NEW_STREAM: ReadStreamResult = { events: [], version: 0 };

/** The order's state from its stored events, each upcast by schema version (`foldStored`, order.upcast.ts). */
export const stateFromEvents = (events: readonly RecordedEvent[]): OrderState => foldStored(events);

/**
 * The command recipe:
 * 1. read the stream and fold it (a create's first attempt skips the read: its stream is new, and if it is not,
 *    the append's version check says so and the retry reads it);
 * 2. decide;
 * 3. append with the expected version, and with it the idempotency outcome and the new state, in one transaction
 *    (a final refusal or a no-op under a key appends no events, only the outcome, at the version it was decided on);
 * 4. on a version conflict, go back to 1, a bounded number of times (never when the client named a version).
 */
export const createOrderCommandRunner = (deps: OrderCommandHandlerDeps): OrderCommandRunner => {
  const { eventStore, clock, ids, maxRetries = 5 } = deps;
  const options: DecideOptions = { confirmRequiresPayment: deps.confirmRequiresPayment === true };

  /** Stores the events and the key's outcome; without events or key there is nothing to store. */
  const record = (
    orderId: string,
    expectedVersion: number,
    events: readonly NewEvent[],
    held: HeldIdempotencyKey | undefined,
    outcome: IdempotencyOutcome,
    snapshot?: OrderView,
  ): ResultAsync<void, ApplicationError> => {
    if (events.length === 0 && !held) return okAsync(undefined);
    return eventStore
      .appendToStream(orderId, events, {
        expectedVersion,
        ...(snapshot && events.length > 0 ? { snapshot } : {}),
        ...(held ? { idempotency: { key: held.key, token: held.token, outcome } } : {}),
      })
      .map(() => undefined);
  };

  const attempt = (
    request: OrderRequest,
    orderId: string,
    context: CommandContext,
    held: HeldIdempotencyKey | undefined,
    metadata: EventMetadata,
    retriesLeft: number,
    assumeNewStream: boolean,
  ): ResultAsync<CommandResult, ApplicationError> =>
    (assumeNewStream
      ? okAsync<ReadStreamResult, never>(NEW_STREAM)
      : eventStore.readStream(orderId)
    )
      .andThen((stream): ResultAsync<CommandResult, ApplicationError> => {
        const state = stateFromEvents(stream.events);
        if (context.expectedVersion !== undefined && context.expectedVersion !== stream.version)
          return errAsync(concurrencyConflict(context.expectedVersion, stream.version));
        const now = clock.now().toISOString();
        const command = toCommand(request, orderId, now, ids, context.actor);
        const decision = decide(command, state, options);
        if (decision.isErr()) {
          const error = decision.error;
          if (classifyFailure(error) !== 'final') return errAsync(error);
          return record(orderId, stream.version, [], held, { kind: 'refused', error }).map(
            (): CommandResult => ({ kind: 'refused', error }),
          );
        }
        const next = decision.value.reduce(evolve, state);
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
          events: decision.value.map((event) => ({
            eventId: ids.next(),
            type: event.type,
            schemaVersion: eventSchemaVersion(event.type as OrderEventType),
            data: event.data,
            metadata,
            occurredAt: now,
          })),
        };
        return record(
          orderId,
          stream.version,
          outcome.events,
          held,
          { kind: 'accepted', orderId, version: outcome.version },
          outcome.view,
        ).map((): CommandResult => ({ kind: 'accepted', outcome }));
      })
      .orElse((error): ResultAsync<CommandResult, ApplicationError> => {
        if (
          error.code === 'concurrency-conflict' &&
          context.expectedVersion === undefined &&
          retriesLeft > 0
        )
          return attempt(request, orderId, context, held, metadata, retriesLeft - 1, false);
        return errAsync(error);
      });

  return (request, context, held) => {
    const orderId =
      request.type === 'CreateOrder' ? (request.orderId ?? ids.next()) : request.orderId;
    const assumeNewStream = request.type === 'CreateOrder' && context.expectedVersion === undefined;
    const metadata = eventMetadata(context, held, ids);
    return attempt(request, orderId, context, held, metadata, maxRetries, assumeNewStream);
  };
};

/** The metadata of every event of one command, across its retries. */
const eventMetadata = (
  context: CommandContext,
  held: HeldIdempotencyKey | undefined,
  ids: IdGenerator,
): EventMetadata => ({
  correlationId: context.correlationId ?? ids.next(),
  causationId: context.causationId ?? null,
  actor: context.actor,
  ...(held ? { idempotencyKey: held.key.key } : {}),
  ...(context.traceparent ? { traceparent: context.traceparent } : {}),
});

/** The command recipe without idempotency: the stored outcome, or the domain's refusal as an error. */
export const createOrderCommandHandler = (deps: OrderCommandHandlerDeps): OrderCommandHandler => {
  const run = createOrderCommandRunner(deps);
  return (request, context) =>
    run(request, context).andThen(
      (result): ResultAsync<CommandOutcome, ApplicationError> =>
        result.kind === 'accepted' ? okAsync(result.outcome) : errAsync(result.error),
    );
};
