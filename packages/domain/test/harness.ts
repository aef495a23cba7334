import {
  type CommandContext,
  type CommandOutcome,
  createOrderCommandHandler,
  type OrderCommandHandler,
  stateFromEvents,
} from '../src/application/handleOrderCommand.js';
import type { OrderRequest } from '../src/application/orderRequests.js';
import { ORDER_INPUT_SCHEMAS } from '../src/application/orderRequests.js';
import type { Clock } from '../src/application/ports/clock.port.js';
import { uuidV7Generator } from '../src/application/ports/clock.port.js';
import type { EventStore, RecordedEvent } from '../src/application/ports/eventStore.port.js';
import { parseInput } from '../src/shared/validation.js';
import { orderFixtures } from '../src/testing/fixtures.js';
import {
  createInMemoryOrderStore,
  type InMemoryOrderStore,
} from '../src/testing/inMemoryOrderStore.js';

/** A clock that moves one second per reading, from 2026-01-15T10:00:00Z. */
export const tickingClock = (start = Date.parse('2026-01-15T10:00:00.000Z')): Clock => {
  let ticks = 0;
  return { now: () => new Date(start + 1000 * ticks++) };
};

export const seedInput = () =>
  parseInput(ORDER_INPUT_SCHEMAS.CreateOrder, orderFixtures.seedCreateOrderBody())._unsafeUnwrap();

export interface Harness {
  readonly store: InMemoryOrderStore;
  readonly handle: OrderCommandHandler;
  /** Runs a request that must succeed. */
  readonly run: (
    request: OrderRequest,
    context?: Partial<CommandContext>,
  ) => Promise<CommandOutcome>;
}

export const harness = (
  options: { eventStore?: (store: EventStore) => EventStore; maxRetries?: number } = {},
): Harness => {
  const store = createInMemoryOrderStore();
  const eventStore = options.eventStore ? options.eventStore(store.eventStore) : store.eventStore;
  const handle = createOrderCommandHandler({
    eventStore,
    clock: tickingClock(),
    ids: uuidV7Generator,
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
  });
  const run = async (request: OrderRequest, context: Partial<CommandContext> = {}) =>
    (await handle(request, { actor: 'test', ...context }))._unsafeUnwrap();
  return { store, handle, run };
};

/** Each stored event with the order's state before and after it, as the relay sees them. */
export const withStates = (events: readonly RecordedEvent[]) =>
  events.map((event, index) => ({
    event,
    before: stateFromEvents(events.slice(0, index).filter((e) => e.streamId === event.streamId)),
    after: stateFromEvents(events.slice(0, index + 1).filter((e) => e.streamId === event.streamId)),
  }));
