import { errAsync } from 'neverthrow';
import { describe, expect, it, vi } from 'vitest';
import { seedInput, tickingClock } from '../../test/harness.js';
import { createInMemoryOrderStore } from '../testing/inMemoryOrderStore.js';
import { serviceUnavailable } from './errors.js';
import {
  createExecuteOrderRequest,
  type OrderRequestExecution,
  type RequestIdempotency,
} from './executeOrderRequest.js';
import { requestFingerprint } from './fingerprint.js';
import type { OrderRequest } from './orderRequests.js';
import { recordPaymentRequest, riskAssessmentRequest } from './paymentRequests.js';
import { uuidV7Generator } from './ports/clock.port.js';
import type { EventStore } from './ports/eventStore.port.js';
import type { IdempotencyStore } from './ports/idempotency.port.js';

const setup = (
  options: {
    idempotency?: IdempotencyStore;
    eventStore?: EventStore;
    confirmRequiresPayment?: boolean;
  } = {},
) => {
  const store = createInMemoryOrderStore();
  const counter = { appends: 0 };
  const eventStore = options.eventStore ?? store.eventStore;
  const execute = createExecuteOrderRequest({
    eventStore: {
      ...eventStore,
      appendToStream: (...args) => {
        counter.appends += 1;
        return eventStore.appendToStream(...args);
      },
    },
    idempotency: options.idempotency ?? store.idempotency,
    clock: tickingClock(),
    ids: uuidV7Generator,
    ...(options.confirmRequiresPayment ? { confirmRequiresPayment: true } : {}),
  });
  const run = (
    request: OrderRequest,
    idempotency?: RequestIdempotency,
    context: Partial<OrderRequestExecution> = {},
  ) => execute({ request, actor: 'test', ...(idempotency ? { idempotency } : {}), ...context });
  const create = async () => {
    const created = (await run({ type: 'CreateOrder', input: seedInput() }))._unsafeUnwrap();
    if (created.kind !== 'accepted') throw new Error('the seed order was refused');
    return created;
  };
  return { store, counter, run, create };
};

const key = (value: string, source = 'test'): RequestIdempotency => ({ source, key: value });

describe('executeOrderRequest', () => {
  it('runs the first request, records its outcome with the events, and replays it', async () => {
    const { store, counter, run } = setup();
    const request: OrderRequest = { type: 'CreateOrder', input: seedInput() };
    const first = (await run(request, key('k1')))._unsafeUnwrap();
    expect(first).toMatchObject({ kind: 'accepted', version: 1, replayed: false });
    if (first.kind !== 'accepted') throw new Error('refused');
    expect(first.view.status).toBe('DRAFT');
    expect(store.allEvents()[0]?.metadata.idempotencyKey).toBe('k1');
    const again = (await run(request, key('k1')))._unsafeUnwrap();
    expect(again).toEqual({ ...first, replayed: true });
    expect(counter.appends).toBe(1);
    expect(store.allEvents()).toHaveLength(1);
  });

  it('records the domain outcome (order id and version), never a rendered answer', async () => {
    const { store, run } = setup();
    const request: OrderRequest = { type: 'CreateOrder', input: seedInput() };
    const first = (await run(request, key('k1')))._unsafeUnwrap();
    if (first.kind !== 'accepted') throw new Error('refused');
    const claim = await store.idempotency.claim({
      source: 'test',
      key: 'k1',
      fingerprint: requestFingerprint(request),
    });
    expect(claim._unsafeUnwrap()).toEqual({
      kind: 'replay',
      outcome: { kind: 'accepted', orderId: first.orderId, version: 1 },
    });
  });

  it('replays the order as the first request left it, even after later changes', async () => {
    const { run, create } = setup();
    const created = await create();
    const confirm: OrderRequest = { type: 'ConfirmOrder', orderId: created.orderId };
    const first = (await run(confirm, key('confirm')))._unsafeUnwrap();
    await run({ type: 'ShipOrder', orderId: created.orderId, input: { shipmentId: 'S1' } });
    const replayed = (await run(confirm, key('confirm')))._unsafeUnwrap();
    expect(replayed).toEqual({ ...first, replayed: true });
    expect(replayed).toMatchObject({ version: 2, view: { status: 'CONFIRMED', version: 2 } });
  });

  it('answers idempotency-key-reused for the same key with a different request', async () => {
    const { counter, run } = setup();
    await run({ type: 'CreateOrder', input: seedInput() }, key('k1'));
    const other = await run(
      { type: 'CreateOrder', input: { ...seedInput(), externalId: 'other' } },
      key('k1'),
    );
    expect(other._unsafeUnwrapErr()).toMatchObject({ code: 'idempotency-key-reused', key: 'k1' });
    expect(counter.appends).toBe(1);
  });

  it('keeps the keys of each source apart: one source never claims or replays another one', async () => {
    const { store, run } = setup();
    const client = (
      await run({ type: 'CreateOrder', input: seedInput() }, key('shopify-1', 'http:anonymous'))
    )._unsafeUnwrap();
    const webhook = (
      await run(
        { type: 'CreateOrder', input: { ...seedInput(), externalId: '1' } },
        key('shopify-1', 'shopify'),
      )
    )._unsafeUnwrap();
    expect(client).toMatchObject({ kind: 'accepted', replayed: false });
    expect(webhook).toMatchObject({ kind: 'accepted', replayed: false });
    expect(store.allEvents()).toHaveLength(2);
  });

  it('treats requests with the same identity as the same request, when the source gives one', async () => {
    const { store, run } = setup();
    const identity = { shopifyId: '1' };
    await run({ type: 'CreateOrder', input: seedInput() }, { ...key('s-1'), identity });
    const again = await run(
      { type: 'CreateOrder', input: { ...seedInput(), externalId: 'changed' } },
      { ...key('s-1'), identity },
    );
    expect(again._unsafeUnwrap()).toMatchObject({ kind: 'accepted', replayed: true });
    expect(store.allEvents()).toHaveLength(1);
  });

  it('answers idempotency-key-in-flight while the first request still holds the key', async () => {
    const { store, counter, run } = setup();
    const request: OrderRequest = { type: 'CreateOrder', input: seedInput() };
    const claim = await store.idempotency.claim({
      source: 'test',
      key: 'k1',
      fingerprint: requestFingerprint(request),
    });
    expect(claim._unsafeUnwrap().kind).toBe('claimed');
    const second = await run(request, key('k1'));
    expect(second._unsafeUnwrapErr()).toMatchObject({
      code: 'idempotency-key-in-flight',
      key: 'k1',
    });
    expect(counter.appends).toBe(0);
  });

  it('records a final refusal: a retry replays the same domain error', async () => {
    const { store, run, create } = setup();
    const created = await create();
    const lineId = created.view.lines[0]?.lineId ?? '';
    const request: OrderRequest = { type: 'RemoveLine', orderId: created.orderId, lineId };
    const refused = (await run(request, key('k1')))._unsafeUnwrap();
    expect(refused).toMatchObject({
      kind: 'refused',
      replayed: false,
      error: { code: 'last-line', lineId },
    });
    const retry = (await run(request, key('k1')))._unsafeUnwrap();
    expect(retry).toEqual({ ...refused, replayed: true });
    expect(store.allEvents()).toHaveLength(1);
  });

  it('does not record what may become possible: a retry after the order moved on applies', async () => {
    const { run, create } = setup();
    const created = await create();
    const ship: OrderRequest = {
      type: 'ShipOrder',
      orderId: created.orderId,
      input: { shipmentId: 'S1' },
    };
    const early = await run(ship, key('ship'));
    expect(early._unsafeUnwrapErr()).toMatchObject({
      code: 'invalid-state-transition',
      status: 'DRAFT',
    });
    await run({ type: 'ConfirmOrder', orderId: created.orderId });
    const later = (await run(ship, key('ship')))._unsafeUnwrap();
    expect(later).toMatchObject({ kind: 'accepted', replayed: false, view: { status: 'SHIPPED' } });
  });

  it('records a refusal from a terminal status as final', async () => {
    const { run, create } = setup();
    const created = await create();
    await run({ type: 'CancelOrder', orderId: created.orderId, input: { reason: 'no' } });
    const request: OrderRequest = { type: 'ConfirmOrder', orderId: created.orderId };
    expect((await run(request, key('late')))._unsafeUnwrap()).toMatchObject({
      kind: 'refused',
      error: { code: 'invalid-state-transition', status: 'CANCELLED' },
    });
    expect((await run(request, key('late')))._unsafeUnwrap()).toMatchObject({ replayed: true });
  });

  it('completes the key for a command that changes nothing, so that a retry replays it', async () => {
    const { store, run, create } = setup();
    const created = await create();
    await run({ type: 'ConfirmOrder', orderId: created.orderId });
    const ship: OrderRequest = {
      type: 'ShipOrder',
      orderId: created.orderId,
      input: { shipmentId: 'S1' },
    };
    await run(ship);
    const noop = (await run(ship, key('k3')))._unsafeUnwrap();
    expect(noop).toMatchObject({ kind: 'accepted', version: 3, replayed: false });
    expect(store.allEvents()).toHaveLength(3);
    expect((await run(ship, key('k3')))._unsafeUnwrap()).toEqual({ ...noop, replayed: true });
  });

  it('releases the key after a transient failure, so that a retry runs the request again', async () => {
    const inner = createInMemoryOrderStore();
    let down = true;
    const eventStore: EventStore = {
      ...inner.eventStore,
      readStream: (...args) =>
        down ? errAsync(serviceUnavailable('down')) : inner.eventStore.readStream(...args),
      appendToStream: (...args) =>
        down ? errAsync(serviceUnavailable('down')) : inner.eventStore.appendToStream(...args),
    };
    const { run } = setup({ eventStore, idempotency: inner.idempotency });
    const request: OrderRequest = { type: 'CreateOrder', input: seedInput() };
    expect((await run(request, key('k1')))._unsafeUnwrapErr().code).toBe('service-unavailable');
    down = false;
    const retried = (await run(request, key('k1')))._unsafeUnwrap();
    expect(retried).toMatchObject({ kind: 'accepted', replayed: false, view: { status: 'DRAFT' } });
    expect(inner.allEvents()).toHaveLength(1);
  });

  it('releases the key after a stale If-Match (concurrency-conflict), which says nothing final', async () => {
    const { run, create } = setup();
    const created = await create();
    const confirm: OrderRequest = { type: 'ConfirmOrder', orderId: created.orderId };
    const stale = await run(confirm, key('k1'), { expectedVersion: 5 });
    expect(stale._unsafeUnwrapErr().code).toBe('concurrency-conflict');
    const fresh = await run(confirm, key('k1'), { expectedVersion: 1 });
    expect(fresh._unsafeUnwrap()).toMatchObject({ view: { status: 'CONFIRMED' } });
  });

  it('runs every request when there is no idempotency store', async () => {
    const store = createInMemoryOrderStore();
    const execute = createExecuteOrderRequest({
      eventStore: store.eventStore,
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const request = {
      request: { type: 'CreateOrder', input: seedInput() },
      actor: 'test',
      idempotency: key('k1'),
    } as const;
    await execute(request);
    await execute(request);
    expect(store.allEvents()).toHaveLength(2);
  });
});

describe('executeOrderRequest when the store is down while it gives a claim up', () => {
  it('retries the release in the background, so the key does not stay in flight until its lease runs out', async () => {
    vi.useFakeTimers();
    try {
      const inner = createInMemoryOrderStore();
      let releaseFailures = 2;
      const idempotency: IdempotencyStore = {
        ...inner.idempotency,
        release: (released, token) => {
          if (releaseFailures > 0) {
            releaseFailures -= 1;
            return errAsync(serviceUnavailable());
          }
          return inner.idempotency.release(released, token);
        },
      };
      const eventStore: EventStore = {
        ...inner.eventStore,
        appendToStream: () => errAsync(serviceUnavailable()),
      };
      const { run } = setup({ eventStore, idempotency });
      const request: OrderRequest = { type: 'CreateOrder', input: seedInput() };
      const claimAgain = () =>
        idempotency.claim({
          source: 'test',
          key: 'blip',
          fingerprint: requestFingerprint(request),
        });
      expect((await run(request, key('blip')))._unsafeUnwrapErr().code).toBe('service-unavailable');
      expect((await claimAgain())._unsafeUnwrap()).toEqual({ kind: 'in-flight' });
      await vi.advanceTimersByTimeAsync(2_000);
      expect(releaseFailures).toBe(0);
      expect((await claimAgain())._unsafeUnwrap().kind).toBe('claimed');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('executeOrderRequest with confirmRequiresPayment (spec §6)', () => {
  it('holds a confirm for payment; the authorization releases the hold and confirms in one append', async () => {
    const { store, counter, run, create } = setup({ confirmRequiresPayment: true });
    const { orderId, view } = await create();
    const held = (await run({ type: 'ConfirmOrder', orderId }, key('c1')))._unsafeUnwrap();
    expect(held).toMatchObject({ kind: 'accepted', version: 2 });
    if (held.kind !== 'accepted') throw new Error('refused');
    expect(held.view).toMatchObject({
      status: 'DRAFT',
      holds: [{ holdId: 'awaiting-payment', reason: 'AWAITING_PAYMENT', placedBy: 'test' }],
    });
    const appendsBefore = counter.appends;
    const paid = (
      await run(
        recordPaymentRequest({
          orderId,
          paymentId: 'pi_1',
          amount: view.orderTotal,
          provider: 'stripe',
          status: 'AUTHORIZED',
        }),
        key('p1', 'kafka:oms.payments.authorized'),
      )
    )._unsafeUnwrap();
    expect(counter.appends - appendsBefore).toBe(1);
    expect(paid).toMatchObject({ kind: 'accepted', version: 5 });
    if (paid.kind !== 'accepted') throw new Error('refused');
    expect(paid.view).toMatchObject({
      status: 'CONFIRMED',
      holds: [],
      paymentStatus: 'AUTHORIZED',
    });
    expect(store.allEvents().map((event) => event.type)).toEqual([
      'order.created',
      'order.hold_placed',
      'order.payment_recorded',
      'order.hold_released',
      'order.confirmed',
    ]);
  });

  it('answers order-on-hold as an error that is not recorded, and hold-not-found as a recorded refusal', async () => {
    const { run, create } = setup();
    const { orderId } = await create();
    await run(riskAssessmentRequest({ orderId, riskLevel: 'HIGH' }) as OrderRequest);
    const blocked = await run({ type: 'ConfirmOrder', orderId }, key('c2'));
    expect(blocked._unsafeUnwrapErr()).toMatchObject({
      code: 'order-on-hold',
      holds: [{ holdId: 'high-risk-of-fraud', reason: 'HIGH_RISK_OF_FRAUD' }],
    });
    expect(riskAssessmentRequest({ orderId, riskLevel: 'MEDIUM' })).toBeUndefined();
    const unknown = (
      await run({ type: 'ReleaseHold', orderId, holdId: 'nope' }, key('r1'))
    )._unsafeUnwrap();
    expect(unknown).toMatchObject({ kind: 'refused', error: { code: 'hold-not-found' } });
    await run({ type: 'ReleaseHold', orderId, holdId: 'high-risk-of-fraud' });
    const confirmed = (await run({ type: 'ConfirmOrder', orderId }, key('c2')))._unsafeUnwrap();
    expect(confirmed).toMatchObject({ kind: 'accepted', view: { status: 'CONFIRMED' } });
  });
});
