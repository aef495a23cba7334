import { describe, expect, it } from 'vitest';
import { harness, seedInput, withStates } from '../../test/harness.js';
import { OrderViewSchema } from '../order/order.view.js';
import { isUuid } from '../shared/ids.js';
import {
  CLOUDEVENTS_SOURCE,
  derivedEventId,
  envelopeSchema,
  type IntegrationMessage,
  PUBLISHED_PAYLOAD_SCHEMAS,
  PUBLISHED_TOPICS,
  toIntegrationMessages,
} from './integration.events.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Every stored event of the in-memory store with the messages the relay would publish for it. */
const published = (h: ReturnType<typeof harness>) =>
  withStates(h.store.allEvents()).map(({ event, before, after }) => ({
    event,
    messages: toIntegrationMessages(event, before, after),
  }));

const kinds = (messages: readonly IntegrationMessage[]) =>
  messages.map((message) => `${message.topic} ${message.value.eventType}`);

const lifecycle = async () => {
  const h = harness();
  const { view } = await h.run(
    { type: 'CreateOrder', input: seedInput() },
    { traceparent: TRACEPARENT },
  );
  const orderId = view.id;
  const [first] = view.lines;
  if (!first) throw new Error('expected a line');
  const added = await h.run({
    type: 'AddLine',
    orderId,
    input: {
      sku: 'SKU-2',
      productName: 'Second',
      quantity: 3,
      unitPrice: { amount: '10', currencyCode: 'USD' },
    },
  });
  const second = added.view.lines[1];
  if (!second) throw new Error('expected a second line');
  await h.run({
    type: 'ChangeLineQuantity',
    orderId,
    lineId: second.lineId,
    input: { quantity: 4 },
  });
  await h.run({
    type: 'ChangeShippingAddress',
    orderId,
    input: { street: 'New 1', city: 'Leeds', postalCode: 'LS1', country: 'GB' },
  });
  await h.run({
    type: 'AddLine',
    orderId,
    input: {
      sku: 'SKU-3',
      productName: 'Third',
      quantity: 1,
      unitPrice: { amount: '1', currencyCode: 'USD' },
    },
  });
  const third = (await h.store.queries.getOrder(orderId))._unsafeUnwrap()?.lines[2];
  if (!third) throw new Error('expected a third line');
  await h.run({ type: 'RemoveLine', orderId, lineId: third.lineId });
  await h.run({ type: 'ConfirmOrder', orderId });
  await h.run({
    type: 'ShipOrder',
    orderId,
    input: { shipmentId: 'S-1', carrier: 'DHL', lines: [{ lineId: first.lineId, quantity: 1 }] },
  });
  await h.run({
    type: 'ShipOrder',
    orderId,
    input: { shipmentId: 'S-2', lines: [{ lineId: second.lineId }] },
  });
  await h.run({ type: 'ShipOrder', orderId, input: { shipmentId: 'S-3', trackingNumber: 'T3' } });
  await h.run({ type: 'DeliverOrder', orderId, input: {} });
  await h.run({ type: 'CompleteOrder', orderId }, { traceparent: TRACEPARENT });
  return { h, orderId, first, second };
};

describe('toIntegrationMessages (spec §3)', () => {
  it('publishes the lifecycle: snapshots, shipments, deliveries and every status change; draft edits publish nothing', async () => {
    const { h } = await lifecycle();
    expect(published(h).map(({ event, messages }) => [event.type, kinds(messages)])).toEqual([
      ['order.created', ['oms.orders.created order.created']],
      ['order.line_added', []],
      ['order.line_quantity_changed', []],
      ['order.shipping_address_changed', []],
      ['order.line_added', []],
      ['order.line_removed', []],
      [
        'order.confirmed',
        ['oms.orders.confirmed order.confirmed', 'oms.orders.status-changed order.status_changed'],
      ],
      [
        'order.shipped',
        ['oms.orders.shipped order.shipped', 'oms.orders.status-changed order.status_changed'],
      ],
      ['order.shipped', ['oms.orders.shipped order.shipped']],
      [
        'order.shipped',
        ['oms.orders.shipped order.shipped', 'oms.orders.status-changed order.status_changed'],
      ],
      [
        'order.delivered',
        ['oms.orders.delivered order.delivered', 'oms.orders.status-changed order.status_changed'],
      ],
      ['order.completed', ['oms.orders.status-changed order.status_changed']],
    ]);
  });

  it('gives every message the order id as key, the envelope, and the content-type and CloudEvents headers', async () => {
    const { h, orderId } = await lifecycle();
    const all = published(h);
    for (const { event, messages } of all)
      for (const message of messages) {
        expect(message.key).toBe(orderId);
        expect(message.topic).toBe(PUBLISHED_TOPICS[message.value.eventType]);
        expect(message.sourcePosition).toBe(event.globalPosition);
        const schema = envelopeSchema(
          message.value.eventType,
          PUBLISHED_PAYLOAD_SCHEMAS[message.value.eventType],
        );
        expect(schema.parse(message.value)).toEqual(message.value);
        expect(message.value).toMatchObject({
          aggregateId: orderId,
          aggregateType: 'Order',
          occurredAt: event.occurredAt,
          version: 1,
        });
        expect(isUuid(message.value.eventId)).toBe(true);
        expect(message.headers).toMatchObject({
          'content-type': 'application/json',
          ce_specversion: '1.0',
          ce_id: message.value.eventId,
          ce_type: message.value.eventType,
          ce_source: CLOUDEVENTS_SOURCE,
          ce_time: event.occurredAt,
        });
      }
    const withTrace = all.filter(({ event }) => event.metadata.traceparent === TRACEPARENT);
    expect(withTrace.map(({ event }) => event.type)).toEqual(['order.created', 'order.completed']);
    for (const { event, messages } of all)
      for (const message of messages)
        expect(message.headers.traceparent).toBe(event.metadata.traceparent);
    const ids = all.flatMap(({ messages }) => messages.map((message) => message.value.eventId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('publishes full snapshots on created and confirmed (confirmed with the content after the draft edits)', async () => {
    const { h } = await lifecycle();
    const all = published(h);
    const createdView = OrderViewSchema.parse(all[0]?.messages[0]?.value.payload);
    expect(createdView).toMatchObject({ status: 'DRAFT', confirmedAt: null, version: 1 });
    expect(createdView.orderTotal).toEqual({ amount: '59.98', currencyCode: 'USD' });
    const confirmed = all.find(({ event }) => event.type === 'order.confirmed');
    const view = OrderViewSchema.parse(confirmed?.messages[0]?.value.payload);
    expect(view.status).toBe('CONFIRMED');
    expect(view.confirmedAt).toBe(confirmed?.event.occurredAt);
    expect(view.lines.map((line) => [line.sku, line.quantity])).toEqual([
      ['SKU-001', 2],
      ['SKU-2', 4],
    ]);
    expect(view.orderTotal.amount).toBe('99.98');
    expect(view.shippingAddress.city).toBe('Leeds');
    expect(confirmed?.messages[1]?.value.payload).toEqual({
      orderId: view.id,
      previousStatus: 'DRAFT',
      newStatus: 'CONFIRMED',
      changedAt: confirmed?.event.occurredAt,
    });
  });

  it('publishes shipments with their lines and skus, carrier and tracking number or null, and the order status', async () => {
    const { h, orderId, first, second } = await lifecycle();
    const shipped = published(h).filter(({ event }) => event.type === 'order.shipped');
    expect(shipped.map(({ messages }) => messages[0]?.value.payload)).toEqual([
      {
        orderId,
        shipmentId: 'S-1',
        carrier: 'DHL',
        trackingNumber: null,
        lines: [{ lineId: first.lineId, sku: 'SKU-001', quantity: 1 }],
        shippedAt: shipped[0]?.event.occurredAt,
        orderStatus: 'PARTIALLY_SHIPPED',
      },
      {
        orderId,
        shipmentId: 'S-2',
        carrier: null,
        trackingNumber: null,
        lines: [{ lineId: second.lineId, sku: 'SKU-2', quantity: 4 }],
        shippedAt: shipped[1]?.event.occurredAt,
        orderStatus: 'PARTIALLY_SHIPPED',
      },
      {
        orderId,
        shipmentId: 'S-3',
        carrier: null,
        trackingNumber: 'T3',
        lines: [{ lineId: first.lineId, sku: 'SKU-001', quantity: 1 }],
        shippedAt: shipped[2]?.event.occurredAt,
        orderStatus: 'SHIPPED',
      },
    ]);
    expect(shipped[2]?.messages[1]?.value.payload).toMatchObject({
      previousStatus: 'PARTIALLY_SHIPPED',
      newStatus: 'SHIPPED',
    });
  });

  it('publishes a cancellation with its reason and previous status, from DRAFT and from CONFIRMED', async () => {
    for (const confirmFirst of [false, true]) {
      const h = harness();
      const { view } = await h.run({ type: 'CreateOrder', input: seedInput() });
      if (confirmFirst) await h.run({ type: 'ConfirmOrder', orderId: view.id });
      await h.run({ type: 'CancelOrder', orderId: view.id, input: { reason: 'fraud suspected' } });
      const last = published(h).at(-1);
      const previousStatus = confirmFirst ? 'CONFIRMED' : 'DRAFT';
      expect(kinds(last?.messages ?? [])).toEqual([
        'oms.orders.cancelled order.cancelled',
        'oms.orders.status-changed order.status_changed',
      ]);
      expect(last?.messages[0]?.value.payload).toEqual({
        orderId: view.id,
        reason: 'fraud suspected',
        previousStatus,
        cancelledAt: last?.event.occurredAt,
      });
      expect(last?.messages[1]?.value.payload).toEqual({
        orderId: view.id,
        previousStatus,
        newStatus: 'CANCELLED',
        changedAt: last?.event.occurredAt,
        reason: 'fraud suspected',
      });
    }
  });

  it('publishes only a status change, with the reason, for an order marked unfulfillable', async () => {
    const h = harness();
    const { view } = await h.run({ type: 'CreateOrder', input: seedInput() });
    await h.run({ type: 'ConfirmOrder', orderId: view.id });
    await h.run({ type: 'MarkUnfulfillable', orderId: view.id, input: { reason: 'discontinued' } });
    const last = published(h).at(-1);
    expect(kinds(last?.messages ?? [])).toEqual(['oms.orders.status-changed order.status_changed']);
    expect(last?.messages[0]?.value.payload).toMatchObject({
      previousStatus: 'CONFIRMED',
      newStatus: 'UNFULFILLABLE',
      reason: 'discontinued',
    });
  });

  it('derives the status_changed event id from the stored event, stably', async () => {
    const h = harness();
    const { view } = await h.run({ type: 'CreateOrder', input: seedInput() });
    await h.run({ type: 'ConfirmOrder', orderId: view.id });
    const confirmed = published(h).at(-1);
    const [first, second] = confirmed?.messages ?? [];
    if (!first || !second) throw new Error('expected two messages');
    expect(first.value.eventId).toBe(confirmed?.event.eventId);
    expect(second.value.eventId).toBe(derivedEventId(first.value.eventId, 'status_changed'));
    expect(second.value.eventId).not.toBe(first.value.eventId);
    expect(isUuid(second.value.eventId)).toBe(true);
    // a republished event keeps its ids
    const again = published(h)
      .at(-1)
      ?.messages.map((message) => message.value.eventId);
    expect(again).toEqual([first.value.eventId, second.value.eventId]);
  });

  it('publishes nothing for an event that leaves no order', () => {
    const h = harness();
    expect(
      toIntegrationMessages(
        {
          eventId: '0190a000-0000-7000-8000-000000000001',
          type: 'order.confirmed',
          schemaVersion: 1,
          data: {
            orderId: '0190a000-0000-7000-8000-000000000002',
            confirmedAt: '2026-01-01T00:00:00.000Z',
          },
          metadata: { correlationId: 'c', causationId: null, actor: 'test' },
          occurredAt: '2026-01-01T00:00:00.000Z',
          streamId: '0190a000-0000-7000-8000-000000000002',
          streamVersion: 1,
          globalPosition: 1,
        },
        { status: 'NONE', version: 0 },
        { status: 'NONE', version: 0 },
      ),
    ).toEqual([]);
    expect(h.store.allEvents()).toEqual([]);
  });
});
