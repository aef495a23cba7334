import { describe, expect, it } from 'vitest';
import { harness, seedInput } from '../../test/harness.js';
import {
  CONSUMER_GROUP,
  DLQ_TOPIC,
  INBOUND_TOPICS,
  type InboundTopic,
  inboundToRequest,
  isInboundTopic,
} from './inbound.js';

const ORDER = '0190a000-0000-7000-8000-000000000001';
const LINE = '0190a000-0000-7000-8000-00000000000a';
const LINE2 = '0190a000-0000-7000-8000-00000000000b';
const AT = '2026-01-20T08:30:00+01:00';
const AT_UTC = '2026-01-20T07:30:00.000Z';

const envelope = (payload: unknown, eventId = '0190a000-0000-7000-8000-0000000000e1') => ({
  eventId,
  eventType: 'fulfillment.shipped',
  aggregateId: ORDER,
  aggregateType: 'Fulfillment',
  occurredAt: AT,
  version: 1,
  payload,
});

describe('inboundToRequest (spec §3, inbound)', () => {
  it('names the eight topics (four of spec §3, four of §6), the consumer group and the DLQ', () => {
    expect(Object.keys(INBOUND_TOPICS).sort()).toEqual([
      'oms.fulfillment.partially-shipped',
      'oms.fulfillment.shipped',
      'oms.fulfillment.unfulfillable',
      'oms.payments.authorized',
      'oms.payments.captured',
      'oms.payments.failed',
      'oms.risk.assessed',
      'oms.shipping.delivered',
    ]);
    expect(CONSUMER_GROUP).toBe('oms-order-intake');
    expect(DLQ_TOPIC).toBe('oms.order-intake.dlq');
    expect(isInboundTopic('oms.shipping.delivered')).toBe(true);
    expect(isInboundTopic('oms.orders.created')).toBe(false);
    expect(isInboundTopic('toString')).toBe(false);
  });

  it('oms.fulfillment.shipped: ship everything remaining', () => {
    const payload = {
      orderId: ORDER,
      shipmentId: 'SH-1',
      carrier: 'DHL',
      trackingNumber: 'JD01',
      shippedAt: AT,
    };
    const bare = inboundToRequest('oms.fulfillment.shipped', payload)._unsafeUnwrap();
    expect(bare).toEqual({
      request: {
        type: 'ShipOrder',
        orderId: ORDER,
        input: { shipmentId: 'SH-1', carrier: 'DHL', trackingNumber: 'JD01', shippedAt: AT_UTC },
      },
    });
    const wrapped = inboundToRequest('oms.fulfillment.shipped', envelope(payload))._unsafeUnwrap();
    expect(wrapped).toEqual({ ...bare, eventId: '0190a000-0000-7000-8000-0000000000e1' });
  });

  it('oms.fulfillment.partially-shipped: lines with quantities, or shippedLineIds (all of each line)', () => {
    const withLines = inboundToRequest('oms.fulfillment.partially-shipped', {
      orderId: ORDER,
      shipmentId: 'SH-2',
      lines: [{ lineId: LINE, quantity: 2 }],
      shippedAt: AT,
    })._unsafeUnwrap();
    expect(withLines.request).toEqual({
      type: 'ShipOrder',
      orderId: ORDER,
      input: { shipmentId: 'SH-2', lines: [{ lineId: LINE, quantity: 2 }], shippedAt: AT_UTC },
    });
    const withIds = inboundToRequest(
      'oms.fulfillment.partially-shipped',
      envelope({
        orderId: ORDER,
        shipmentId: 'SH-3',
        shippedLineIds: [LINE, LINE2],
        shippedAt: AT,
      }),
    )._unsafeUnwrap();
    expect(withIds.request).toEqual({
      type: 'ShipOrder',
      orderId: ORDER,
      input: {
        shipmentId: 'SH-3',
        lines: [{ lineId: LINE }, { lineId: LINE2 }],
        shippedAt: AT_UTC,
      },
    });
  });

  it('oms.fulfillment.unfulfillable: mark unfulfillable with the reason and time', () => {
    for (const value of [
      { orderId: ORDER, reason: 'no stock', unfulfillableAt: AT },
      envelope({ orderId: ORDER, reason: 'no stock', unfulfillableAt: AT }),
    ])
      expect(
        inboundToRequest('oms.fulfillment.unfulfillable', value)._unsafeUnwrap().request,
      ).toEqual({
        type: 'MarkUnfulfillable',
        orderId: ORDER,
        input: { reason: 'no stock', unfulfillableAt: AT_UTC },
      });
  });

  it('oms.shipping.delivered: deliver at the time given', () => {
    for (const value of [
      { orderId: ORDER, deliveredAt: AT },
      envelope({ orderId: ORDER, deliveredAt: AT }),
    ])
      expect(inboundToRequest('oms.shipping.delivered', value)._unsafeUnwrap().request).toEqual({
        type: 'DeliverOrder',
        orderId: ORDER,
        input: { deliveredAt: AT_UTC },
      });
  });

  it('gives a shipment without an id a stable one from the message, so a redelivery is a no-op', async () => {
    const payload = { orderId: ORDER, shippedAt: AT };
    const first = inboundToRequest('oms.fulfillment.shipped', payload)._unsafeUnwrap().request;
    const again = inboundToRequest('oms.fulfillment.shipped', { ...payload })._unsafeUnwrap()
      .request;
    expect(first).toEqual(again);
    const shipmentIdOf = (value: unknown, topic: InboundTopic = 'oms.fulfillment.shipped') => {
      const request = inboundToRequest(topic, value)._unsafeUnwrap().request;
      return request?.type === 'ShipOrder' ? request.input.shipmentId : undefined;
    };
    expect(shipmentIdOf(payload)).toMatch(/^msg-[0-9a-f]{32}$/);
    expect(shipmentIdOf({ ...payload, shippedAt: '2026-01-21T00:00:00Z' })).not.toBe(
      shipmentIdOf(payload),
    );
    expect(shipmentIdOf(envelope(payload, 'evt-42'))).toBe('evt-42');
    expect(shipmentIdOf(envelope(payload, 'x'.repeat(200)))).toMatch(/^msg-[0-9a-f]{32}$/);
    const partial = { orderId: ORDER, lines: [{ lineId: LINE, quantity: 1 }], shippedAt: AT };
    expect(shipmentIdOf(partial, 'oms.fulfillment.partially-shipped')).toBe(
      shipmentIdOf({ ...partial }, 'oms.fulfillment.partially-shipped'),
    );

    // through the handler: the same partial-shipment message twice ships once
    const h = harness();
    const { view } = await h.run({
      type: 'CreateOrder',
      input: { ...seedInput(), lines: [{ ...seedInput().lines[0]!, quantity: 5 }] },
    });
    await h.run({ type: 'ConfirmOrder', orderId: view.id });
    const lineId = view.lines[0]?.lineId ?? '';
    const message = { orderId: view.id, lines: [{ lineId, quantity: 2 }], shippedAt: AT };
    const { request } = inboundToRequest(
      'oms.fulfillment.partially-shipped',
      message,
    )._unsafeUnwrap();
    if (!request) throw new Error('expected a request');
    for (let delivery = 0; delivery < 2; delivery += 1)
      await h.run(request, { actor: 'kafka:oms.fulfillment.partially-shipped' });
    const order = (await h.store.queries.getOrder(view.id))._unsafeUnwrap();
    expect(order?.lines[0]?.shippedQuantity).toBe(2);
    expect(order?.shipments).toHaveLength(1);
    expect(order?.status).toBe('PARTIALLY_SHIPPED');
  });

  it.each<[InboundTopic, unknown, string[]]>([
    ['oms.fulfillment.shipped', {}, ['orderId', 'shippedAt']],
    ['oms.fulfillment.shipped', { orderId: 'nope', shippedAt: 'later' }, ['orderId', 'shippedAt']],
    ['oms.fulfillment.shipped', { orderId: ORDER, shippedAt: AT, carrier: '' }, ['carrier']],
    ['oms.fulfillment.partially-shipped', { orderId: ORDER, shippedAt: AT }, ['lines']],
    [
      'oms.fulfillment.partially-shipped',
      { orderId: ORDER, shippedAt: AT, lines: [{ lineId: LINE, quantity: 0 }] },
      ['lines.0.quantity'],
    ],
    [
      'oms.fulfillment.partially-shipped',
      { orderId: ORDER, shippedAt: AT, shippedLineIds: [] },
      ['shippedLineIds'],
    ],
    ['oms.fulfillment.unfulfillable', { orderId: ORDER, unfulfillableAt: AT }, ['reason']],
    [
      'oms.fulfillment.unfulfillable',
      { orderId: ORDER, reason: ' ', unfulfillableAt: AT },
      ['reason'],
    ],
    ['oms.shipping.delivered', { orderId: ORDER }, ['deliveredAt']],
    ['oms.shipping.delivered', envelope({ deliveredAt: AT }), ['orderId']],
    ['oms.shipping.delivered', null, ['']],
    ['oms.shipping.delivered', 'delivered', ['']],
    ['oms.shipping.delivered', [ORDER], ['']],
    ['oms.shipping.delivered', 42, ['']],
  ])('%s refuses %j naming %j', (topic, value, paths) => {
    const error = inboundToRequest(topic, value)._unsafeUnwrapErr();
    expect(error.code).toBe('validation-failed');
    if (error.code !== 'validation-failed') throw new Error('unreachable');
    expect(error.errors.map((problem) => problem.path).sort()).toEqual(paths);
  });

  it('reads a value that is neither an envelope nor a payload as a bare payload, and refuses it', () => {
    const error = inboundToRequest('oms.shipping.delivered', {
      eventId: 'e1',
      payload: 'not an object',
    })._unsafeUnwrapErr();
    expect(error.code).toBe('validation-failed');
  });
});
