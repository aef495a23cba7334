import {
  createExecuteOrderRequest,
  createOrderCommandHandler,
  type EventStore,
  ORDER_INPUT_SCHEMAS,
  parseInput,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { errAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { deadLetterHeaders } from './createConsumer.js';
import { type InboundMessage, inboundIdempotencyKey, processInbound } from './processInbound.js';

const setup = (eventStore?: (store: EventStore) => EventStore) => {
  const store = createInMemoryOrderStore();
  const events = eventStore ? eventStore(store.eventStore) : store.eventStore;
  const handle = createOrderCommandHandler({
    eventStore: events,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  const execute = createExecuteOrderRequest({
    eventStore: events,
    idempotency: store.idempotency,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  const confirmedOrder = async () => {
    const input = parseInput(
      ORDER_INPUT_SCHEMAS.CreateOrder,
      orderFixtures.seedCreateOrderBody(),
    )._unsafeUnwrap();
    const orderId = (
      await handle({ type: 'CreateOrder', input }, { actor: 'test' })
    )._unsafeUnwrap().view.id;
    (await handle({ type: 'ConfirmOrder', orderId }, { actor: 'test' }))._unsafeUnwrap();
    return orderId;
  };
  const shippedOrder = async () => {
    const orderId = await confirmedOrder();
    (
      await handle({ type: 'ShipOrder', orderId, input: { shipmentId: 'S1' } }, { actor: 'test' })
    )._unsafeUnwrap();
    return orderId;
  };
  const deps = { execute };
  return { store, handle, deps, confirmedOrder, shippedOrder };
};

let offset = 0;
const message = (topic: string, value: unknown, headers = {}): InboundMessage => {
  offset += 1;
  return {
    topic,
    partition: 0,
    offset: String(offset),
    key: null,
    value: typeof value === 'string' ? value : Buffer.from(JSON.stringify(value)),
    headers,
  };
};

describe('processInbound', () => {
  it('ships an order from an envelope once, however often the envelope is delivered', async () => {
    const { store, deps, confirmedOrder } = setup();
    const orderId = await confirmedOrder();
    const envelope = {
      eventId: 'f-123',
      eventType: 'fulfillment.shipped',
      payload: { orderId, carrier: 'DHL', shippedAt: '2026-01-16T10:00:00Z' },
    };
    const first = await processInbound(deps, message('oms.fulfillment.shipped', envelope));
    const again = await processInbound(deps, message('oms.fulfillment.shipped', envelope));
    expect(first).toMatchObject({ kind: 'applied', replayed: false, orderId });
    expect(again).toMatchObject({ kind: 'applied', replayed: true, orderId });
    const shipped = store.allEvents().filter((event) => event.type === 'order.shipped');
    expect(shipped).toHaveLength(1);
    expect(shipped[0]?.metadata).toMatchObject({
      actor: 'kafka:oms.fulfillment.shipped',
      causationId: 'f-123',
      idempotencyKey: 'event:f-123',
    });
  });

  it('keys a bare payload by its content within its topic, so a redelivery at any offset is a replay', async () => {
    const { store, deps, confirmedOrder } = setup();
    const orderId = await confirmedOrder();
    const payload = { orderId, shippedAt: '2026-01-16T10:00:00Z' };
    const bare = message('oms.fulfillment.shipped', payload);
    expect(await processInbound(deps, bare)).toMatchObject({ kind: 'applied', replayed: false });
    expect(
      await processInbound(deps, message('oms.fulfillment.shipped', { ...payload })),
    ).toMatchObject({ kind: 'applied', replayed: true });
    expect(store.allEvents().filter((event) => event.type === 'order.shipped')).toHaveLength(1);
    const key = inboundIdempotencyKey('oms.fulfillment.shipped', payload, undefined);
    expect(key).toEqual({ source: 'kafka:oms.fulfillment.shipped', key: expect.any(String) });
    expect(inboundIdempotencyKey('oms.fulfillment.shipped', { ...payload }, undefined)).toEqual(
      key,
    );
    expect(inboundIdempotencyKey('oms.shipping.delivered', payload, undefined).source).toBe(
      'kafka:oms.shipping.delivered',
    );
  });

  it('applies the same bare message delivered twice (at another offset) once, and never dead-letters it', async () => {
    const { store, deps, shippedOrder } = setup();
    const orderId = await shippedOrder();
    const payload = { orderId, deliveredAt: '2026-01-17T10:00:00Z' };
    const first = await processInbound(deps, message('oms.shipping.delivered', payload));
    const again = await processInbound(deps, message('oms.shipping.delivered', payload));
    expect(first).toMatchObject({ kind: 'applied', replayed: false, orderId });
    expect(again).toMatchObject({ kind: 'applied', replayed: true, orderId });
    expect(store.allEvents().filter((event) => event.type === 'order.delivered')).toHaveLength(1);
  });

  it('scopes envelope event ids by topic: the same id on another topic is another message', async () => {
    const { deps, shippedOrder } = setup();
    const orderId = await shippedOrder();
    const at = '2026-01-17T10:00:00Z';
    const shipped = await processInbound(
      deps,
      message('oms.fulfillment.shipped', {
        eventId: 'e-shared',
        payload: { orderId, shipmentId: 'S1', shippedAt: at },
      }),
    );
    expect(shipped).toMatchObject({ kind: 'applied' });
    const delivered = await processInbound(
      deps,
      message('oms.shipping.delivered', {
        eventId: 'e-shared',
        payload: { orderId, deliveredAt: at },
      }),
    );
    expect(delivered).toMatchObject({ kind: 'applied', replayed: false, orderId });
  });

  it('dead-letters bad JSON and a schema mismatch', async () => {
    const { deps } = setup();
    expect(
      await processInbound(deps, message('oms.shipping.delivered', '{not json')),
    ).toMatchObject({
      kind: 'dead-letter',
      code: 'malformed-json',
    });
    expect(
      await processInbound(deps, message('oms.shipping.delivered', { orderId: 'nope' })),
    ).toMatchObject({ kind: 'dead-letter', code: 'validation-failed' });
  });

  it('defers what may become possible (an unknown order, delivered before shipped) without recording a refusal', async () => {
    const { deps, confirmedOrder } = setup();
    const orderId = await confirmedOrder();
    const unknown = '01970000-0000-7000-8000-000000000000';
    expect(
      await processInbound(
        deps,
        message('oms.shipping.delivered', {
          orderId: unknown,
          deliveredAt: '2026-01-16T10:00:00Z',
        }),
      ),
    ).toMatchObject({ kind: 'defer', code: 'order-not-found', orderId: unknown });
    const delivered = message('oms.shipping.delivered', {
      orderId,
      deliveredAt: '2026-01-16T10:00:00Z',
    });
    expect(await processInbound(deps, delivered)).toMatchObject({
      kind: 'defer',
      code: 'invalid-state-transition',
      orderId,
    });
    // once shipped, the same message (same idempotency key) is applied: the refusal was not recorded
    const shipped = message('oms.fulfillment.shipped', {
      orderId,
      shippedAt: '2026-01-16T09:00:00Z',
    });
    expect(await processInbound(deps, shipped)).toMatchObject({ kind: 'applied' });
    expect(await processInbound(deps, delivered)).toMatchObject({
      kind: 'applied',
      replayed: false,
    });
    // delivered again: DELIVERED can never be delivered, so that one is final
    expect(
      await processInbound(
        deps,
        message('oms.shipping.delivered', { orderId, deliveredAt: '2026-01-18T10:00:00Z' }),
      ),
    ).toMatchObject({ kind: 'dead-letter', code: 'invalid-state-transition' });
  });

  it('asks for a retry, not a dead letter, when the store is unreachable', async () => {
    const { deps, confirmedOrder } = setup((store) => ({
      ...store,
      appendToStream: (streamId, events, options) =>
        events.some((event) => event.type === 'order.shipped')
          ? errAsync({ code: 'service-unavailable', message: 'connection refused' })
          : store.appendToStream(streamId, events, options),
    }));
    const orderId = await confirmedOrder();
    const shipped = message('oms.fulfillment.shipped', {
      orderId,
      shippedAt: '2026-01-16T10:00:00Z',
    });
    expect(await processInbound(deps, shipped)).toMatchObject({
      kind: 'retry',
      code: 'service-unavailable',
    });
  });

  it('dead-letters a reused event id carrying another request', async () => {
    const { deps, confirmedOrder } = setup();
    const orderId = await confirmedOrder();
    const at = '2026-01-16T10:00:00Z';
    await processInbound(
      deps,
      message('oms.fulfillment.shipped', { eventId: 'e-1', payload: { orderId, shippedAt: at } }),
    );
    expect(
      await processInbound(
        deps,
        message('oms.fulfillment.shipped', {
          eventId: 'e-1',
          payload: { orderId, shippedAt: at, carrier: 'UPS' },
        }),
      ),
    ).toMatchObject({ kind: 'dead-letter', code: 'idempotency-key-reused' });
  });
});

describe('deadLetterHeaders', () => {
  it('keeps the original headers and says why and where from', () => {
    expect(
      deadLetterHeaders(
        {
          topic: 'oms.shipping.delivered',
          partition: 3,
          offset: '42',
          headers: { traceparent: 't' },
        },
        { code: 'malformed-json', reason: 'the value is not JSON' },
        'oms-order-intake',
        new Date('2026-01-16T10:00:00Z'),
      ),
    ).toEqual({
      traceparent: 't',
      'x-dlq-code': 'malformed-json',
      'x-dlq-reason': 'the value is not JSON',
      'x-dlq-source-topic': 'oms.shipping.delivered',
      'x-dlq-source-partition': '3',
      'x-dlq-source-offset': '42',
      'x-dlq-consumer-group': 'oms-order-intake',
      'x-dlq-failed-at': '2026-01-16T10:00:00.000Z',
    });
  });
});
