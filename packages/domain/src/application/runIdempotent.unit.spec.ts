import { errAsync } from 'neverthrow';
import { describe, expect, it, vi } from 'vitest';
import { seedInput, tickingClock } from '../../test/harness.js';
import { createInMemoryOrderStore } from '../testing/inMemoryOrderStore.js';
import { type ApplicationError, serviceUnavailable } from './errors.js';
import {
  type CommandOutcome,
  createOrderCommandHandler,
  type OrderCommandHandler,
} from './handleOrderCommand.js';
import type { OrderRequest } from './orderRequests.js';
import { uuidV7Generator } from './ports/clock.port.js';
import type { IdempotencyStore } from './ports/idempotency.port.js';
import { runIdempotent } from './runIdempotent.js';

const respond = (outcome: CommandOutcome) => ({
  status: 201,
  body: outcome.view,
  headers: { etag: `"${outcome.version}"` },
});
const respondError = (error: ApplicationError) => ({ status: 409, body: { code: error.code } });

const setup = () => {
  const store = createInMemoryOrderStore();
  const inner = createOrderCommandHandler({
    eventStore: store.eventStore,
    idempotency: store.idempotency,
    clock: tickingClock(),
    ids: uuidV7Generator,
  });
  const counter = { calls: 0 };
  const handle: OrderCommandHandler = (request, context) => {
    counter.calls += 1;
    return inner(request, context);
  };
  const run = (key: string, fingerprint: string, request: OrderRequest) =>
    runIdempotent(
      { idempotency: store.idempotency, handle },
      {
        idempotency: { key, fingerprint },
        request,
        context: { actor: 'test' },
        respond,
        respondError,
      },
    );
  return { store, handle: inner, counter, run };
};

describe('runIdempotent', () => {
  it('runs the first request, records its answer with the events, and replays it for the same request', async () => {
    const { store, counter, run } = setup();
    const first = (
      await run('k1', 'f1', { type: 'CreateOrder', input: seedInput() })
    )._unsafeUnwrap();
    expect(first.replayed).toBe(false);
    expect(first.response.status).toBe(201);
    expect(first.outcome?.view.status).toBe('DRAFT');
    expect(store.allEvents()[0]?.metadata.idempotencyKey).toBe('k1');
    const again = (
      await run('k1', 'f1', { type: 'CreateOrder', input: seedInput() })
    )._unsafeUnwrap();
    expect(again).toEqual({ response: first.response, replayed: true });
    expect(counter.calls).toBe(1);
    expect(store.allEvents()).toHaveLength(1);
  });

  it('answers idempotency-key-reused for the same key with a different request', async () => {
    const { counter, run } = setup();
    await run('k1', 'f1', { type: 'CreateOrder', input: seedInput() });
    const other = await run('k1', 'f2', { type: 'CreateOrder', input: seedInput() });
    expect(other._unsafeUnwrapErr()).toMatchObject({ code: 'idempotency-key-reused', key: 'k1' });
    expect(counter.calls).toBe(1);
  });

  it('answers idempotency-key-in-flight while the first request still holds the key', async () => {
    const { store, counter, run } = setup();
    const claim = (await store.idempotency.claim({ key: 'k1', fingerprint: 'f1' }))._unsafeUnwrap();
    expect(claim.kind).toBe('claimed');
    const second = await run('k1', 'f1', { type: 'CreateOrder', input: seedInput() });
    expect(second._unsafeUnwrapErr()).toMatchObject({
      code: 'idempotency-key-in-flight',
      key: 'k1',
    });
    expect(counter.calls).toBe(0);
  });

  it('records a domain refusal as final: a retry replays the same error answer', async () => {
    const { store, counter, run } = setup();
    const { outcome } = (
      await run('k0', 'f0', { type: 'CreateOrder', input: seedInput() })
    )._unsafeUnwrap();
    const orderId = outcome?.view.id ?? '';
    const refused = (await run('k1', 'f1', { type: 'CompleteOrder', orderId }))._unsafeUnwrap();
    expect(refused).toEqual({
      response: { status: 409, body: { code: 'invalid-state-transition' } },
      replayed: false,
    });
    const retry = (await run('k1', 'f1', { type: 'CompleteOrder', orderId }))._unsafeUnwrap();
    expect(retry).toEqual({ response: refused.response, replayed: true });
    expect(counter.calls).toBe(2);
    expect(store.allEvents()).toHaveLength(1);
  });

  it('completes the key for a command that changes nothing, so that a retry replays it', async () => {
    const { store, run } = setup();
    const created = (
      await run('k0', 'f0', { type: 'CreateOrder', input: seedInput() })
    )._unsafeUnwrap();
    const orderId = created.outcome?.view.id ?? '';
    await run('k1', 'f1', { type: 'ConfirmOrder', orderId });
    await run('k2', 'f2', { type: 'ShipOrder', orderId, input: { shipmentId: 'S1' } });
    const noop = (
      await run('k3', 'f3', { type: 'ShipOrder', orderId, input: { shipmentId: 'S1' } })
    )._unsafeUnwrap();
    expect(noop.outcome?.events).toEqual([]);
    expect(store.allEvents()).toHaveLength(3);
    expect(
      (await store.idempotency.claim({ key: 'k3', fingerprint: 'f3' }))._unsafeUnwrap(),
    ).toEqual({
      kind: 'replay',
      response: noop.response,
    });
  });

  it('releases the key after a transient failure, so that a retry runs the request again', async () => {
    const store = createInMemoryOrderStore();
    let down = true;
    const handle = createOrderCommandHandler({
      eventStore: {
        ...store.eventStore,
        readStream: (...args) =>
          down
            ? errAsync({ code: 'service-unavailable', message: 'down' })
            : store.eventStore.readStream(...args),
        appendToStream: (...args) =>
          down
            ? errAsync({ code: 'service-unavailable', message: 'down' })
            : store.eventStore.appendToStream(...args),
      },
      idempotency: store.idempotency,
      clock: tickingClock(),
      ids: uuidV7Generator,
    });
    const run = () =>
      runIdempotent(
        { idempotency: store.idempotency, handle },
        {
          idempotency: { key: 'k1', fingerprint: 'f1' },
          request: { type: 'CreateOrder', input: seedInput() },
          context: { actor: 'test' },
          respond,
          respondError,
        },
      );
    expect((await run())._unsafeUnwrapErr().code).toBe('service-unavailable');
    down = false;
    const retried = (await run())._unsafeUnwrap();
    expect(retried.replayed).toBe(false);
    expect(retried.outcome?.view.status).toBe('DRAFT');
    expect(store.allEvents()).toHaveLength(1);
  });

  it('releases the key after a stale If-Match (concurrency-conflict), which says nothing final', async () => {
    const { store, handle } = setup();
    const created = (
      await handle({ type: 'CreateOrder', input: seedInput() }, { actor: 't' })
    )._unsafeUnwrap();
    const attempt = (expectedVersion: number) =>
      runIdempotent(
        { idempotency: store.idempotency, handle },
        {
          idempotency: { key: 'k1', fingerprint: 'f1' },
          request: { type: 'ConfirmOrder', orderId: created.view.id },
          context: { actor: 'test', expectedVersion },
          respond,
          respondError,
        },
      );
    expect((await attempt(5))._unsafeUnwrapErr().code).toBe('concurrency-conflict');
    expect((await attempt(1))._unsafeUnwrap().outcome?.view.status).toBe('CONFIRMED');
  });
});

describe('runIdempotent when the store is down while it gives a claim up', () => {
  it('retries the release in the background, so the key does not stay in flight until its lease runs out', async () => {
    vi.useFakeTimers();
    try {
      const store = createInMemoryOrderStore();
      let releaseFailures = 2;
      const idempotency: IdempotencyStore = {
        ...store.idempotency,
        release: (key, token) => {
          if (releaseFailures > 0) {
            releaseFailures -= 1;
            return errAsync(serviceUnavailable());
          }
          return store.idempotency.release(key, token);
        },
      };
      const failing: OrderCommandHandler = () => errAsync(serviceUnavailable());
      const run = () =>
        runIdempotent(
          { idempotency, handle: failing },
          {
            idempotency: { key: 'blip', fingerprint: 'f' },
            request: { type: 'CreateOrder', input: seedInput() },
            context: { actor: 'test' },
            respond,
            respondError,
          },
        );
      expect((await run())._unsafeUnwrapErr().code).toBe('service-unavailable');
      expect((await idempotency.claim({ key: 'blip', fingerprint: 'f' }))._unsafeUnwrap()).toEqual({
        kind: 'in-flight',
      });
      await vi.advanceTimersByTimeAsync(2_000);
      expect(releaseFailures).toBe(0);
      expect(
        (await idempotency.claim({ key: 'blip', fingerprint: 'f' }))._unsafeUnwrap().kind,
      ).toBe('claimed');
    } finally {
      vi.useRealTimers();
    }
  });
});
