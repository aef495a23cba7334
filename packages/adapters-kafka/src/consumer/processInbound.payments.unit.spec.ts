import {
  createExecuteOrderRequest,
  createOrderCommandHandler,
  ORDER_INPUT_SCHEMAS,
  parseInput,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { describe, expect, it } from 'vitest';
import { type InboundMessage, processInbound } from './processInbound.js';

const setup = () => {
  const store = createInMemoryOrderStore();
  const handle = createOrderCommandHandler({
    eventStore: store.eventStore,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  const deps = {
    execute: createExecuteOrderRequest({
      eventStore: store.eventStore,
      idempotency: store.idempotency,
      clock: systemClock,
      ids: uuidV7Generator,
    }),
  };
  const draftOrder = async () => {
    const input = parseInput(
      ORDER_INPUT_SCHEMAS.CreateOrder,
      orderFixtures.seedCreateOrderBody(),
    )._unsafeUnwrap();
    return (await handle({ type: 'CreateOrder', input }, { actor: 'test' }))._unsafeUnwrap().view;
  };
  const eventsOf = (orderId: string, type: string) =>
    store.allEvents().filter((event) => event.streamId === orderId && event.type === type);
  return { store, handle, deps, draftOrder, eventsOf };
};

let offset = 0;
const message = (topic: string, value: unknown): InboundMessage => {
  offset += 1;
  return {
    topic,
    partition: 0,
    offset: String(offset),
    key: null,
    value: Buffer.from(JSON.stringify(value)),
    headers: {},
  };
};

const notice = (orderId: string, overrides: Record<string, unknown> = {}) => ({
  orderId,
  paymentId: 'pay-1',
  amount: { amount: '59.98', currencyCode: 'USD' },
  provider: 'stripe',
  at: '2026-01-16T10:00:00Z',
  ...overrides,
});

describe('processInbound: payments and risk (spec §6)', () => {
  it('records an authorization once however often it is delivered (envelope or bare)', async () => {
    const { deps, draftOrder, eventsOf } = setup();
    const { id } = await draftOrder();
    const envelope = {
      eventId: 'psp-1',
      payload: notice(id, { amount: { amount: '50.00', currencyCode: 'USD' } }),
    };
    expect(await processInbound(deps, message('oms.payments.authorized', envelope))).toMatchObject({
      kind: 'applied',
      replayed: false,
      orderId: id,
    });
    expect(await processInbound(deps, message('oms.payments.authorized', envelope))).toMatchObject({
      kind: 'applied',
      replayed: true,
    });
    const bare = notice(id, {
      paymentId: 'pay-2',
      amount: { amount: '1.00', currencyCode: 'USD' },
    });
    expect(await processInbound(deps, message('oms.payments.captured', bare))).toMatchObject({
      kind: 'applied',
      replayed: false,
    });
    expect(await processInbound(deps, message('oms.payments.captured', bare))).toMatchObject({
      kind: 'applied',
      replayed: true,
    });
    const recorded = eventsOf(id, 'order.payment_recorded');
    expect(recorded.map((event) => [event.data, event.metadata.actor])).toEqual([
      [
        expect.objectContaining({ paymentId: 'pay-1', status: 'AUTHORIZED' }),
        'kafka:oms.payments.authorized',
      ],
      [
        expect.objectContaining({ paymentId: 'pay-2', status: 'CAPTURED' }),
        'kafka:oms.payments.captured',
      ],
    ]);
  });

  it('defers a payment for an order not created yet, then applies it once the order exists', async () => {
    const { deps, draftOrder, eventsOf } = setup();
    const early = message(
      'oms.payments.authorized',
      notice('01970000-0000-7000-8000-00000000beef'),
    );
    expect(await processInbound(deps, early)).toMatchObject({
      kind: 'defer',
      code: 'order-not-found',
      orderId: '01970000-0000-7000-8000-00000000beef',
    });
    const { id } = await draftOrder();
    const overtaking = message('oms.payments.failed', { eventId: 'psp-9', payload: notice(id) });
    expect(await processInbound(deps, overtaking)).toMatchObject({ kind: 'applied' });
    expect(eventsOf(id, 'order.payment_recorded')).toHaveLength(1);
  });

  it('dead-letters what can never apply: a bad payload, an amount above the total, another currency', async () => {
    const { deps, draftOrder, eventsOf } = setup();
    const { id } = await draftOrder();
    expect(
      await processInbound(deps, message('oms.payments.authorized', notice(id, { at: 'now' }))),
    ).toMatchObject({ kind: 'dead-letter', code: 'validation-failed' });
    const above = await processInbound(
      deps,
      message(
        'oms.payments.authorized',
        notice(id, { amount: { amount: '1000.00', currencyCode: 'USD' } }),
      ),
    );
    expect(above.kind).toBe('dead-letter');
    expect(
      await processInbound(
        deps,
        message(
          'oms.payments.authorized',
          notice(id, { paymentId: 'eur', amount: { amount: '1.00', currencyCode: 'EUR' } }),
        ),
      ),
    ).toMatchObject({ kind: 'dead-letter', code: 'mixed-currencies' });
    expect(eventsOf(id, 'order.payment_recorded')).toEqual([]);
  });

  it('a HIGH risk places one HIGH_RISK_OF_FRAUD hold; LOW and MEDIUM do nothing; a terminal order dead-letters', async () => {
    const { deps, handle, draftOrder, eventsOf } = setup();
    const { id } = await draftOrder();
    for (const riskLevel of ['LOW', 'MEDIUM'])
      expect(
        await processInbound(deps, message('oms.risk.assessed', { orderId: id, riskLevel })),
      ).toMatchObject({ kind: 'ignored', orderId: id });
    const high = {
      eventId: 'risk-1',
      payload: { orderId: id, riskLevel: 'HIGH', reason: 'velocity' },
    };
    expect(await processInbound(deps, message('oms.risk.assessed', high))).toMatchObject({
      kind: 'applied',
      replayed: false,
    });
    expect(await processInbound(deps, message('oms.risk.assessed', high))).toMatchObject({
      kind: 'applied',
      replayed: true,
    });
    // another HIGH assessment of the same order: the same hold, a no-op
    expect(
      await processInbound(
        deps,
        message('oms.risk.assessed', { eventId: 'risk-2', payload: high.payload }),
      ),
    ).toMatchObject({ kind: 'applied' });
    expect(eventsOf(id, 'order.hold_placed').map((event) => event.data)).toEqual([
      expect.objectContaining({ reason: 'HIGH_RISK_OF_FRAUD', note: 'velocity' }),
    ]);
    // a held order cannot be confirmed; a cancelled one never takes a hold
    (
      await handle({ type: 'CancelOrder', orderId: id, input: { reason: 'fraud' } }, { actor: 't' })
    )._unsafeUnwrap();
    const { id: other } = await draftOrder();
    (
      await handle({ type: 'CancelOrder', orderId: other, input: { reason: 'x' } }, { actor: 't' })
    )._unsafeUnwrap();
    expect(
      await processInbound(
        deps,
        message('oms.risk.assessed', { orderId: other, riskLevel: 'HIGH' }),
      ),
    ).toMatchObject({ kind: 'dead-letter' });
  });
});
