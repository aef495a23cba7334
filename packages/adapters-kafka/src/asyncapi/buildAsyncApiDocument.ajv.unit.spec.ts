import {
  createOrderCommandHandler,
  ORDER_INPUT_SCHEMAS,
  parseInput,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { buildMessages, createStateCache } from '../relay/buildMessages.js';
import { toOutboundRecord } from '../relay/kafkaMessages.js';
import { buildAsyncApiDocument } from './buildAsyncApiDocument.js';

/** The document's message schemas, compiled by an independent validator (ajv, JSON Schema 2020-12). */
const compileMessage = (messageName: string) => {
  const document = { $id: 'https://oms.example/asyncapi.json', ...buildAsyncApiDocument() };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document);
  const ref = (part: 'headers' | 'payload') =>
    ajv.compile({
      $ref: `https://oms.example/asyncapi.json#/components/messages/${messageName}/${part}`,
    });
  return { headers: ref('headers'), payload: ref('payload') };
};

const textHeaders = (headers: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));

describe('the AsyncAPI document against real messages (ajv)', () => {
  it('accepts a plain warehouse message: a bare payload without any header, and an envelope with trace headers', () => {
    const delivered = compileMessage('OmsShippingDelivered');
    const bare = {
      orderId: '01970000-0000-7000-8000-000000000001',
      deliveredAt: '2026-01-17T10:00:00Z',
    };
    expect(delivered.payload(bare), JSON.stringify(delivered.payload.errors)).toBe(true);
    expect(delivered.headers({}), JSON.stringify(delivered.headers.errors)).toBe(true);
    const shipped = compileMessage('OmsFulfillmentShipped');
    expect(
      shipped.payload({
        eventId: 'wms-42',
        eventType: 'fulfillment.shipped',
        payload: { orderId: bare.orderId, carrier: 'DHL', shippedAt: '2026-01-16T10:00:00Z' },
      }),
      JSON.stringify(shipped.payload.errors),
    ).toBe(true);
    expect(
      shipped.headers({
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        'correlation-id': 'c-1',
      }),
    ).toBe(true);
    // and still refuses what the consumer dead-letters
    expect(delivered.payload({ orderId: bare.orderId, deliveredAt: 'yesterday' })).toBe(false);
  });

  it('accepts the messages the relay publishes, headers and payload', async () => {
    const store = createInMemoryOrderStore();
    const handle = createOrderCommandHandler({
      eventStore: store.eventStore,
      clock: systemClock,
      ids: uuidV7Generator,
    });
    const input = parseInput(
      ORDER_INPUT_SCHEMAS.CreateOrder,
      orderFixtures.seedCreateOrderBody(),
    )._unsafeUnwrap();
    const created = (
      await handle({ type: 'CreateOrder', input }, { actor: 'test' })
    )._unsafeUnwrap();
    await handle({ type: 'ConfirmOrder', orderId: created.view.id }, { actor: 'test' });
    const events = (await store.eventStore.readAll(0, 100))._unsafeUnwrap();
    const messages = (
      await buildMessages(store.eventStore, events, createStateCache(10), 1)
    )._unsafeUnwrap();
    expect(messages.map((message) => message.topic).sort()).toEqual([
      'oms.orders.confirmed',
      'oms.orders.created',
      'oms.orders.status-changed',
    ]);
    const names: Record<string, string> = {
      'oms.orders.created': 'OrderCreated',
      'oms.orders.confirmed': 'OrderConfirmed',
      'oms.orders.status-changed': 'OrderStatusChanged',
    };
    for (const message of messages) {
      const schema = compileMessage(names[message.topic] ?? '');
      const kafkaMessage = toOutboundRecord(message);
      expect(
        schema.payload(JSON.parse(String(kafkaMessage.value))),
        `${message.topic}: ${JSON.stringify(schema.payload.errors)}`,
      ).toBe(true);
      expect(
        schema.headers(textHeaders(kafkaMessage.headers)),
        `${message.topic}: ${JSON.stringify(schema.headers.errors)}`,
      ).toBe(true);
    }
  });

  it('accepts the hold and payment messages the relay publishes, and a payment notice or risk assessment (spec §6)', async () => {
    const store = createInMemoryOrderStore();
    const handle = createOrderCommandHandler({
      eventStore: store.eventStore,
      clock: systemClock,
      ids: uuidV7Generator,
    });
    const input = parseInput(
      ORDER_INPUT_SCHEMAS.CreateOrder,
      orderFixtures.seedCreateOrderBody(),
    )._unsafeUnwrap();
    const orderId = (
      await handle({ type: 'CreateOrder', input }, { actor: 'test' })
    )._unsafeUnwrap().view.id;
    const run = async (request: Parameters<typeof handle>[0]) =>
      (await handle(request, { actor: 'test' }))._unsafeUnwrap();
    await run({ type: 'PlaceHold', orderId, input: { reason: 'MANUAL', note: 'call customer' } });
    const held = await run({ type: 'PlaceHold', orderId, input: { reason: 'INVENTORY' } });
    await run({ type: 'ReleaseHold', orderId, holdId: held.view.holds[1]?.holdId ?? '' });
    await run({
      type: 'RecordPayment',
      orderId,
      input: {
        paymentId: 'p-1',
        amount: { amount: '10.00', currencyCode: 'USD' },
        provider: 'adyen',
        status: 'AUTHORIZED',
      },
    });
    const events = (await store.eventStore.readAll(0, 100))._unsafeUnwrap();
    const messages = (
      await buildMessages(store.eventStore, events, createStateCache(10), 1)
    )._unsafeUnwrap();
    const names: Record<string, string> = {
      'order.hold_placed': 'OrderHoldPlaced',
      'order.hold_released': 'OrderHoldReleased',
      'order.payment_updated': 'OrderPaymentUpdated',
    };
    const checked = messages.filter((message) => names[message.value.eventType] !== undefined);
    expect(checked.map((message) => message.value.eventType)).toEqual([
      'order.hold_placed',
      'order.hold_placed',
      'order.hold_released',
      'order.payment_updated',
    ]);
    for (const message of checked) {
      const schema = compileMessage(names[message.value.eventType] ?? '');
      const kafkaMessage = toOutboundRecord(message);
      expect(
        schema.payload(JSON.parse(String(kafkaMessage.value))),
        `${message.value.eventType}: ${JSON.stringify(schema.payload.errors)}`,
      ).toBe(true);
      expect(schema.headers(textHeaders(kafkaMessage.headers))).toBe(true);
    }
    const authorized = compileMessage('OmsPaymentsAuthorized');
    const notice = {
      orderId,
      paymentId: 'p-1',
      amount: { amount: '59.98', currencyCode: 'USD' },
      at: '2026-01-16T10:00:00Z',
    };
    expect(authorized.payload(notice), JSON.stringify(authorized.payload.errors)).toBe(true);
    expect(authorized.payload({ eventId: 'psp-1', payload: notice })).toBe(true);
    expect(authorized.payload({ ...notice, at: undefined })).toBe(false);
    const risk = compileMessage('OmsRiskAssessed');
    expect(risk.payload({ orderId, riskLevel: 'HIGH', reason: 'velocity' })).toBe(true);
    expect(risk.payload({ orderId, riskLevel: 'SEVERE' })).toBe(false);
  });
});
