import { errAsync, ResultAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { harness, seedInput, tickingClock } from '../../test/harness.js';
import { isUuid } from '../shared/ids.js';
import { eventStoreContract } from '../testing/contract.js';
import { createInMemoryOrderStore } from '../testing/inMemoryOrderStore.js';
import { createOrderCommandHandler, stateFromEvents } from './handleOrderCommand.js';
import { uuidV7Generator } from './ports/clock.port.js';
import type { AppendResult, EventStore, EventStoreError } from './ports/eventStore.port.js';

eventStoreContract('in-memory', async () => createInMemoryOrderStore());

/** Counts the calls of a store and lets a test run something just before an append (a racing writer). */
const instrumented = (inner: EventStore, beforeAppend?: (attempt: number) => Promise<void>) => {
  const calls = { reads: 0, appends: 0 };
  const store: EventStore = {
    readStream: (...args) => {
      calls.reads += 1;
      return inner.readStream(...args);
    },
    readAll: (...args) => inner.readAll(...args),
    appendToStream: (streamId, events, options): ResultAsync<AppendResult, EventStoreError> => {
      calls.appends += 1;
      if (!beforeAppend) return inner.appendToStream(streamId, events, options);
      const attempt = calls.appends;
      return ResultAsync.fromSafePromise(beforeAppend(attempt)).andThen(() =>
        inner.appendToStream(streamId, events, options),
      );
    },
  };
  return { store, calls };
};

describe('createOrderCommandHandler', () => {
  it('creates the seed order and confirms it: view, version, events and their metadata', async () => {
    const h = harness();
    const created = await h.run(
      { type: 'CreateOrder', input: seedInput() },
      { actor: 'key-1', correlationId: 'corr-1', traceparent: '00-abc-def-01' },
    );
    expect(created.view).toMatchObject({ status: 'DRAFT', version: 1, currencyCode: 'USD' });
    expect(created.view.orderTotal).toEqual({ amount: '59.98', currencyCode: 'USD' });
    expect(isUuid(created.view.id)).toBe(true);
    expect(created.version).toBe(1);
    const confirmed = await h.run({ type: 'ConfirmOrder', orderId: created.view.id });
    expect(confirmed.view).toMatchObject({ status: 'CONFIRMED', version: 2 });
    const [first, second] = h.store.allEvents();
    expect(first).toMatchObject({
      type: 'order.created',
      schemaVersion: 1,
      streamId: created.view.id,
      streamVersion: 1,
      metadata: {
        actor: 'key-1',
        correlationId: 'corr-1',
        causationId: null,
        traceparent: '00-abc-def-01',
      },
    });
    expect(second).toMatchObject({ type: 'order.confirmed', streamVersion: 2 });
    expect(isUuid(second?.metadata.correlationId ?? '')).toBe(true);
    expect((await h.store.queries.getOrder(created.view.id))._unsafeUnwrap()).toEqual(
      confirmed.view,
    );
    expect(stateFromEvents(h.store.allEvents())).toEqual(confirmed.order);
  });

  it('answers order-not-found for a command on an unknown order, and stores nothing', async () => {
    const h = harness();
    const result = await h.handle(
      { type: 'ConfirmOrder', orderId: '0190a000-0000-7000-8000-000000000099' },
      { actor: 'test' },
    );
    expect(result._unsafeUnwrapErr().code).toBe('order-not-found');
    expect(h.store.allEvents()).toEqual([]);
  });

  it('passes domain refusals through unchanged', async () => {
    const h = harness();
    const { view } = await h.run({ type: 'CreateOrder', input: seedInput() });
    const result = await h.handle(
      { type: 'DeliverOrder', orderId: view.id, input: {} },
      { actor: 'test' },
    );
    expect(result._unsafeUnwrapErr()).toMatchObject({
      code: 'invalid-state-transition',
      status: 'DRAFT',
      action: 'deliver',
    });
  });

  it("re-reads and re-decides after losing a race, and keeps both writers' events", async () => {
    const inner = createInMemoryOrderStore();
    const base = createOrderCommandHandler({
      eventStore: inner.eventStore,
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const { view } = (
      await base({ type: 'CreateOrder', input: seedInput() }, { actor: 'a' })
    )._unsafeUnwrap();
    let raced = false;
    const { store, calls } = instrumented(inner.eventStore, async (attempt) => {
      if (attempt !== 1) return;
      // another writer commits between our read and our append
      raced = (
        await base(
          {
            type: 'ChangeShippingAddress',
            orderId: view.id,
            input: { street: 'Other 2', city: 'York', postalCode: 'YO1', country: 'GB' },
          },
          { actor: 'b' },
        )
      ).isOk();
    });
    const handle = createOrderCommandHandler({
      eventStore: store,
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const outcome = (
      await handle({ type: 'ConfirmOrder', orderId: view.id }, { actor: 'a' })
    )._unsafeUnwrap();
    expect(raced).toBe(true);
    expect(calls).toEqual({ reads: 2, appends: 2 });
    expect(outcome.version).toBe(3);
    expect(outcome.view.shippingAddress.city).toBe('York');
    expect(inner.allEvents().map((event) => [event.type, event.streamVersion])).toEqual([
      ['order.created', 1],
      ['order.shipping_address_changed', 2],
      ['order.confirmed', 3],
    ]);
  });

  it('re-decides against the new state: a racing cancel turns a confirm into invalid-state-transition', async () => {
    const inner = createInMemoryOrderStore();
    const base = createOrderCommandHandler({
      eventStore: inner.eventStore,
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const { view } = (
      await base({ type: 'CreateOrder', input: seedInput() }, { actor: 'a' })
    )._unsafeUnwrap();
    const { store } = instrumented(inner.eventStore, async (attempt) => {
      if (attempt === 1)
        await base(
          { type: 'CancelOrder', orderId: view.id, input: { reason: 'race' } },
          { actor: 'b' },
        );
    });
    const handle = createOrderCommandHandler({
      eventStore: store,
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const result = await handle({ type: 'ConfirmOrder', orderId: view.id }, { actor: 'a' });
    expect(result._unsafeUnwrapErr()).toMatchObject({
      code: 'invalid-state-transition',
      status: 'CANCELLED',
    });
    expect(inner.allEvents().map((event) => event.type)).toEqual([
      'order.created',
      'order.cancelled',
    ]);
  });

  it('gives up with concurrency-conflict after maxRetries re-tries', async () => {
    const inner = createInMemoryOrderStore();
    const base = createOrderCommandHandler({
      eventStore: inner.eventStore,
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const { view } = (
      await base({ type: 'CreateOrder', input: seedInput() }, { actor: 'a' })
    )._unsafeUnwrap();
    let n = 0;
    const { store, calls } = instrumented(inner.eventStore, async () => {
      n += 1;
      await base(
        {
          type: 'ChangeLineQuantity',
          orderId: view.id,
          lineId: view.lines[0]?.lineId ?? '',
          input: { quantity: 10 + n },
        },
        { actor: 'b' },
      );
    });
    const handle = createOrderCommandHandler({
      eventStore: store,
      clock: tickingClock(),
      ids: uuidV7Generator,
      maxRetries: 2,
    });
    const result = await handle({ type: 'ConfirmOrder', orderId: view.id }, { actor: 'a' });
    expect(result._unsafeUnwrapErr().code).toBe('concurrency-conflict');
    expect(calls.appends).toBe(3);
    expect(inner.allEvents().some((event) => event.type === 'order.confirmed')).toBe(false);
  });

  it('answers a stale expectedVersion (If-Match) with concurrency-conflict at once, without appending', async () => {
    const inner = createInMemoryOrderStore();
    const { store, calls } = instrumented(inner.eventStore);
    const handle = createOrderCommandHandler({
      eventStore: store,
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const { view } = (
      await handle({ type: 'CreateOrder', input: seedInput() }, { actor: 'a' })
    )._unsafeUnwrap();
    calls.appends = 0;
    const stale = await handle(
      { type: 'ConfirmOrder', orderId: view.id },
      { actor: 'a', expectedVersion: 0 },
    );
    expect(stale._unsafeUnwrapErr()).toMatchObject({
      code: 'concurrency-conflict',
      expectedVersion: 0,
      actualVersion: 1,
    });
    expect(calls.appends).toBe(0);
    const fresh = await handle(
      { type: 'ConfirmOrder', orderId: view.id },
      { actor: 'a', expectedVersion: 1 },
    );
    expect(fresh._unsafeUnwrap().version).toBe(2);
  });

  it('does not retry a lost race when the client named the version', async () => {
    const inner = createInMemoryOrderStore();
    const base = createOrderCommandHandler({
      eventStore: inner.eventStore,
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const { view } = (
      await base({ type: 'CreateOrder', input: seedInput() }, { actor: 'a' })
    )._unsafeUnwrap();
    const { store, calls } = instrumented(inner.eventStore, async (attempt) => {
      if (attempt === 1)
        await base(
          {
            type: 'ChangeShippingAddress',
            orderId: view.id,
            input: { street: 'S', city: 'C', postalCode: 'P', country: 'GB' },
          },
          { actor: 'b' },
        );
    });
    const handle = createOrderCommandHandler({
      eventStore: store,
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const result = await handle(
      { type: 'ConfirmOrder', orderId: view.id },
      { actor: 'a', expectedVersion: 1 },
    );
    expect(result._unsafeUnwrapErr().code).toBe('concurrency-conflict');
    expect(calls).toEqual({ reads: 1, appends: 1 });
  });

  it('answers service-unavailable when the store is unreachable, and stores nothing', async () => {
    const inner = createInMemoryOrderStore();
    const handle = createOrderCommandHandler({
      eventStore: {
        ...inner.eventStore,
        readStream: () => errAsync({ code: 'service-unavailable', message: 'down' }),
        appendToStream: () => errAsync({ code: 'service-unavailable', message: 'down' }),
      },
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const result = await handle({ type: 'CreateOrder', input: seedInput() }, { actor: 'a' });
    expect(result._unsafeUnwrapErr().code).toBe('service-unavailable');
    expect(inner.allEvents()).toEqual([]);
  });

  it('appends nothing for a no-op (a repeated shipment) and answers the current state', async () => {
    const h = harness();
    const { view } = await h.run({ type: 'CreateOrder', input: seedInput() });
    await h.run({ type: 'ConfirmOrder', orderId: view.id });
    const first = await h.run({ type: 'ShipOrder', orderId: view.id, input: { shipmentId: 'S1' } });
    const again = await h.run({ type: 'ShipOrder', orderId: view.id, input: { shipmentId: 'S1' } });
    expect(again.events).toEqual([]);
    expect(again.version).toBe(first.version);
    expect(again.view).toEqual(first.view);
    expect(h.store.allEvents()).toHaveLength(3);
  });

  it('uses a given order id for CreateOrder, and refuses a second create of it', async () => {
    const h = harness();
    const orderId = '0190a000-0000-7000-8000-000000000042';
    const created = await h.run({ type: 'CreateOrder', orderId, input: seedInput() });
    expect(created.view.id).toBe(orderId);
    const again = await h.handle(
      { type: 'CreateOrder', orderId, input: seedInput() },
      { actor: 'test' },
    );
    expect(again._unsafeUnwrapErr().code).toBe('invalid-state-transition');
  });
});

describe('createOrderCommandHandler on a create', () => {
  it('appends without reading the new stream first, and reads it only when the append finds it taken', async () => {
    const inner = createInMemoryOrderStore();
    let reads = 0;
    const handle = createOrderCommandHandler({
      eventStore: {
        ...inner.eventStore,
        readStream: (...args) => {
          reads += 1;
          return inner.eventStore.readStream(...args);
        },
      },
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const created = (
      await handle({ type: 'CreateOrder', input: seedInput() }, { actor: 'a' })
    )._unsafeUnwrap();
    expect(reads).toBe(0);
    const again = await handle(
      { type: 'CreateOrder', orderId: created.view.id, input: seedInput() },
      { actor: 'a' },
    );
    expect(again._unsafeUnwrapErr().code).toBe('invalid-state-transition');
    expect(reads).toBe(1);
    expect(inner.allEvents()).toHaveLength(1);
  });
});
