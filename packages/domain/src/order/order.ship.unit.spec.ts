import { describe, expect, it } from 'vitest';
import { historyFor, LINE_A, LINE_B, NOW, ORDER_ID, UNKNOWN_LINE } from '../../test/builders.js';
import { given } from '../testing/orderSpecification.js';
import type { OrderCommandOf } from './order.commands.js';
import { decide } from './order.decide.js';
import type { OrderEvent } from './order.events.js';
import { fold } from './order.evolve.js';
import { toOrderView } from './order.view.js';

const ship = (
  shipmentId: string,
  lines?: { lineId: string; quantity?: number }[],
  extra: Partial<OrderCommandOf<'ShipOrder'>['data']> = {},
): OrderCommandOf<'ShipOrder'> => ({
  type: 'ShipOrder',
  data: { orderId: ORDER_ID, shipmentId, ...(lines ? { lines } : {}), ...extra },
  metadata: { now: NOW },
});

/** Runs commands one after another, each against the state the previous ones left. */
const run = (history: OrderEvent[], ...commands: OrderCommandOf<'ShipOrder'>[]): OrderEvent[] => {
  const events = [...history];
  for (const command of commands) events.push(...decide(command, fold(events))._unsafeUnwrap());
  return events;
};

const confirmedOrder = historyFor('CONFIRMED'); // line A: 2, line B: 3

describe('partial shipments', () => {
  it('ships some lines and moves to PARTIALLY_SHIPPED', () => {
    const { state } = given(confirmedOrder)
      .when(ship('s1', [{ lineId: LINE_A, quantity: 1 }], { carrier: 'UPS', trackingNumber: '1Z' }))
      .then([
        {
          type: 'order.shipped',
          data: {
            orderId: ORDER_ID,
            shipmentId: 's1',
            carrier: 'UPS',
            trackingNumber: '1Z',
            lines: [{ lineId: LINE_A, quantity: 1 }],
            shippedAt: NOW,
            orderStatus: 'PARTIALLY_SHIPPED',
          },
        },
      ]);
    expect(state.status).toBe('PARTIALLY_SHIPPED');
    if (state.status === 'NONE') throw new Error('unreachable');
    expect(state.lines.map((line) => line.shippedQuantity)).toEqual([1, 0]);
    expect(toOrderView(state).shipments).toEqual([
      {
        shipmentId: 's1',
        carrier: 'UPS',
        trackingNumber: '1Z',
        lines: [{ lineId: LINE_A, quantity: 1 }],
        shippedAt: NOW,
      },
    ]);
  });

  it('takes a line without a quantity as all that remains of it', () => {
    given(run(confirmedOrder, ship('s1', [{ lineId: LINE_A, quantity: 1 }])))
      .when(ship('s2', [{ lineId: LINE_A }]))
      .thenMatches([
        {
          type: 'order.shipped',
          data: { lines: [{ lineId: LINE_A, quantity: 1 }], orderStatus: 'PARTIALLY_SHIPPED' },
        },
      ]);
  });

  it('takes omitted lines as everything not yet shipped, and moves to SHIPPED', () => {
    const { state } = given(run(confirmedOrder, ship('s1', [{ lineId: LINE_B, quantity: 2 }])))
      .when(ship('s2'))
      .then([
        {
          type: 'order.shipped',
          data: {
            orderId: ORDER_ID,
            shipmentId: 's2',
            lines: [
              { lineId: LINE_A, quantity: 2 },
              { lineId: LINE_B, quantity: 1 },
            ],
            shippedAt: NOW,
            orderStatus: 'SHIPPED',
          },
        },
      ]);
    if (state.status === 'NONE') throw new Error('unreachable');
    expect(state.status).toBe('SHIPPED');
    expect(state.lines.every((line) => line.shippedQuantity === line.quantity)).toBe(true);
    expect(state.shipments.map((shipment) => shipment.shipmentId)).toEqual(['s1', 's2']);
  });

  it('moves to SHIPPED when the last line is shipped by name', () => {
    const history = run(
      confirmedOrder,
      ship('s1', [{ lineId: LINE_A, quantity: 2 }]),
      ship('s2', [{ lineId: LINE_B, quantity: 1 }]),
    );
    expect(fold(history).status).toBe('PARTIALLY_SHIPPED');
    const { state } = given(history)
      .when(ship('s3', [{ lineId: LINE_B, quantity: 2 }]))
      .thenMatches([{ data: { orderStatus: 'SHIPPED' } }])
      .reduce((acc, event) => ({ state: fold([event], acc.state) }), { state: fold(history) });
    expect(state.status).toBe('SHIPPED');
    expect(state.version).toBe(history.length + 1);
  });

  it('refuses to ship more of a line than remains', () => {
    given(confirmedOrder)
      .when(ship('s1', [{ lineId: LINE_A, quantity: 3 }]))
      .thenFails('over-shipment');
    const history = run(confirmedOrder, ship('s1', [{ lineId: LINE_B, quantity: 2 }]));
    given(history)
      .when(ship('s2', [{ lineId: LINE_B, quantity: 2 }]))
      .thenFails('over-shipment');
    expect(
      decide(ship('s2', [{ lineId: LINE_B, quantity: 2 }]), fold(history))._unsafeUnwrapErr(),
    ).toMatchObject({ code: 'over-shipment', lineId: LINE_B, requested: 2, remaining: 1 });
  });

  it('adds up a line named twice in one shipment', () => {
    given(confirmedOrder)
      .when(
        ship('s1', [
          { lineId: LINE_B, quantity: 2 },
          { lineId: LINE_B, quantity: 2 },
        ]),
      )
      .thenFails('over-shipment');
    given(confirmedOrder)
      .when(
        ship('s1', [
          { lineId: LINE_B, quantity: 1 },
          { lineId: LINE_B, quantity: 2 },
        ]),
      )
      .thenMatches([{ data: { lines: [{ lineId: LINE_B, quantity: 3 }] } }]);
  });

  it('treats a repeated shipmentId as a no-op, in any state after it', () => {
    const partly = run(confirmedOrder, ship('s1', [{ lineId: LINE_A, quantity: 1 }]));
    given(partly)
      .when(ship('s1', [{ lineId: LINE_A, quantity: 1 }]))
      .then([]);
    given(partly)
      .when(ship('s1', [{ lineId: LINE_B, quantity: 99 }]))
      .then([]);
    given(partly).when(ship('s1')).then([]);
    const all = run(partly, ship('s2'));
    expect(fold(all).status).toBe('SHIPPED');
    given(all).when(ship('s2')).then([]);
    given(all).when(ship('s1')).then([]);
    given(all).when(ship('s3')).thenFails('invalid-state-transition');
  });

  it('names an unknown line line-not-found', () => {
    given(confirmedOrder)
      .when(ship('s1', [{ lineId: UNKNOWN_LINE, quantity: 1 }]))
      .thenFails('line-not-found');
    expect(
      decide(ship('s1', [{ lineId: UNKNOWN_LINE }]), fold(confirmedOrder))._unsafeUnwrapErr(),
    ).toMatchObject({ code: 'line-not-found', lineId: UNKNOWN_LINE });
  });

  it('refuses a shipment that ships nothing (every named line already shipped)', () => {
    const history = run(confirmedOrder, ship('s1', [{ lineId: LINE_A }]));
    given(history)
      .when(ship('s2', [{ lineId: LINE_A }]))
      .thenFails('validation-failed');
  });

  it('keeps shippedAt from the command, else the command time', () => {
    given(confirmedOrder)
      .when(ship('s1', undefined, { shippedAt: '2026-01-15T18:00:00.000Z' }))
      .thenMatches([{ data: { shippedAt: '2026-01-15T18:00:00.000Z' } }]);
  });
});
