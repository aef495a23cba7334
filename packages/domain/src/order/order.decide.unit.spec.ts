import { describe, expect, it } from 'vitest';
import {
  commandOf,
  created,
  historyFor,
  LINE_A,
  LINE_B,
  NOW,
  newAddress,
  ORDER_ID,
} from '../../test/builders.js';
import { given } from '../testing/orderSpecification.js';
import {
  ORDER_COMMAND_SCHEMAS,
  ORDER_COMMAND_TYPES,
  type OrderCommandType,
} from './order.commands.js';
import { COMMAND_ACTIONS, decide } from './order.decide.js';
import type { OrderErrorCode } from './order.errors.js';
import { type OrderEvent, OrderEventSchema } from './order.events.js';
import { fold } from './order.evolve.js';
import { ORDER_STATUSES, type OrderStatus } from './order.status.js';

type Status = OrderStatus | 'NONE';
type Allowed = { events: OrderEvent[]; status: OrderStatus };

const shipped = (lines: { lineId: string; quantity: number }[]): OrderEvent => ({
  type: 'order.shipped',
  data: {
    orderId: ORDER_ID,
    shipmentId: 'shipment-test',
    carrier: 'DHL',
    lines,
    shippedAt: NOW,
    orderStatus: 'SHIPPED',
  },
});

/** The allowed cells of the lifecycle (spec §2), with the exact events each one decides. */
const ALLOWED: Partial<Record<Status, Partial<Record<OrderCommandType, Allowed>>>> = {
  NONE: { CreateOrder: { events: [created()], status: 'DRAFT' } },
  DRAFT: {
    AddLine: {
      status: 'DRAFT',
      events: [
        {
          type: 'order.line_added',
          data: {
            orderId: ORDER_ID,
            line: {
              lineId: '0190a000-0000-7000-8000-0000000000ff',
              sku: 'SKU-N',
              productName: 'Brass Gear',
              quantity: 4,
              unitPrice: { amount: '0.125', currencyCode: 'USD' },
            },
            addedAt: NOW,
          },
        },
      ],
    },
    RemoveLine: {
      status: 'DRAFT',
      events: [
        { type: 'order.line_removed', data: { orderId: ORDER_ID, lineId: LINE_B, removedAt: NOW } },
      ],
    },
    ChangeLineQuantity: {
      status: 'DRAFT',
      events: [
        {
          type: 'order.line_quantity_changed',
          data: {
            orderId: ORDER_ID,
            lineId: LINE_A,
            quantity: 5,
            previousQuantity: 2,
            changedAt: NOW,
          },
        },
      ],
    },
    ChangeShippingAddress: {
      status: 'DRAFT',
      events: [
        {
          type: 'order.shipping_address_changed',
          data: { orderId: ORDER_ID, shippingAddress: newAddress, changedAt: NOW },
        },
      ],
    },
    ConfirmOrder: {
      status: 'CONFIRMED',
      events: [{ type: 'order.confirmed', data: { orderId: ORDER_ID, confirmedAt: NOW } }],
    },
    CancelOrder: {
      status: 'CANCELLED',
      events: [
        {
          type: 'order.cancelled',
          data: {
            orderId: ORDER_ID,
            reason: 'customer changed their mind',
            reasonCode: 'other',
            previousStatus: 'DRAFT',
            cancelledAt: NOW,
          },
        },
      ],
    },
  },
  CONFIRMED: {
    CancelOrder: {
      status: 'CANCELLED',
      events: [
        {
          type: 'order.cancelled',
          data: {
            orderId: ORDER_ID,
            reason: 'customer changed their mind',
            reasonCode: 'other',
            previousStatus: 'CONFIRMED',
            cancelledAt: NOW,
          },
        },
      ],
    },
    ShipOrder: {
      status: 'SHIPPED',
      events: [
        shipped([
          { lineId: LINE_A, quantity: 2 },
          { lineId: LINE_B, quantity: 3 },
        ]),
      ],
    },
    MarkUnfulfillable: {
      status: 'UNFULFILLABLE',
      events: [
        {
          type: 'order.marked_unfulfillable',
          data: {
            orderId: ORDER_ID,
            reason: 'out of stock',
            previousStatus: 'CONFIRMED',
            unfulfillableAt: NOW,
          },
        },
      ],
    },
  },
  PARTIALLY_SHIPPED: {
    ShipOrder: {
      status: 'SHIPPED',
      events: [
        shipped([
          { lineId: LINE_A, quantity: 1 },
          { lineId: LINE_B, quantity: 3 },
        ]),
      ],
    },
  },
  SHIPPED: {
    DeliverOrder: {
      status: 'DELIVERED',
      events: [{ type: 'order.delivered', data: { orderId: ORDER_ID, deliveredAt: NOW } }],
    },
  },
  DELIVERED: {
    CompleteOrder: {
      status: 'COMPLETED',
      events: [{ type: 'order.completed', data: { orderId: ORDER_ID, completedAt: NOW } }],
    },
  },
};

/** Spec §6: a hold in the statuses where it blocks something; a payment in every status. */
const holdPlacedNow: OrderEvent = {
  type: 'order.hold_placed',
  data: {
    orderId: ORDER_ID,
    holdId: 'hold-test',
    reason: 'HIGH_RISK_OF_FRAUD',
    note: 'score 91',
    placedAt: NOW,
    placedBy: 'risk-desk',
  },
};
const paymentNow: OrderEvent = {
  type: 'order.payment_recorded',
  data: {
    orderId: ORDER_ID,
    paymentId: 'pi_test',
    amount: { amount: '89.98', currencyCode: 'USD' },
    provider: 'stripe',
    status: 'AUTHORIZED',
    recordedAt: NOW,
  },
};
for (const status of ORDER_STATUSES) {
  const cells: Partial<Record<OrderCommandType, Allowed>> = ALLOWED[status] ?? {};
  ALLOWED[status] = cells;
  cells.RecordPayment = { events: [paymentNow], status };
  if (status === 'DRAFT' || status === 'CONFIRMED' || status === 'PARTIALLY_SHIPPED')
    cells.PlaceHold = { events: [holdPlacedNow], status };
}

const DRAFT_EDITS: ReadonlySet<OrderCommandType> = new Set([
  'AddLine',
  'RemoveLine',
  'ChangeLineQuantity',
  'ChangeShippingAddress',
]);

const refusalFor = (status: Status, type: OrderCommandType): OrderErrorCode => {
  if (status === 'NONE') return 'order-not-found';
  if (type === 'ReleaseHold') return 'hold-not-found';
  if (DRAFT_EDITS.has(type)) return 'order-not-editable';
  return 'invalid-state-transition';
};

const STATUSES: Status[] = ['NONE', ...ORDER_STATUSES];
const cells = STATUSES.flatMap((status) =>
  ORDER_COMMAND_TYPES.map((type) => ({ status, type, allowed: ALLOWED[status]?.[type] })),
);

describe('decide: every (status × command) pair', () => {
  it('covers 9 states × 14 commands, 24 of them allowed', () => {
    expect(cells).toHaveLength(126);
    expect(cells.filter((cell) => cell.allowed)).toHaveLength(24);
    expect(fold(historyFor('NONE')).status).toBe('NONE');
    for (const status of ORDER_STATUSES) expect(fold(historyFor(status)).status).toBe(status);
  });

  const allowedCells = cells.filter((cell) => cell.allowed !== undefined);
  it.each(allowedCells)('$status × $type decides its events', ({ status, type, allowed }) => {
    if (!allowed) throw new Error('unreachable');
    expect(ORDER_COMMAND_SCHEMAS[type].safeParse(commandOf(type)).success).toBe(true);
    for (const event of allowed.events) expect(OrderEventSchema.parse(event)).toEqual(event);
    const { state } = given(historyFor(status)).when(commandOf(type)).then(allowed.events);
    expect(state.status).toBe(allowed.status);
    expect(state.version).toBe(historyFor(status).length + allowed.events.length);
  });

  const refusedCells = cells.filter((cell) => cell.allowed === undefined);
  it.each(refusedCells)('$status × $type is refused', ({ status, type }) => {
    const code = refusalFor(status, type);
    given(historyFor(status)).when(commandOf(type)).thenFails(code);
    const error = decide(commandOf(type), fold(historyFor(status)))._unsafeUnwrapErr();
    if (code === 'order-not-found') expect(error).toMatchObject({ orderId: ORDER_ID });
    else if (code === 'hold-not-found') expect(error).toMatchObject({ holdId: 'hold-test' });
    else expect(error).toMatchObject({ status, action: COMMAND_ACTIONS[type] });
    expect(error.message.length).toBeGreaterThan(0);
  });
});

describe('decide: draft edits', () => {
  it('never removes the last line', () => {
    const [first] = given(historyFor('DRAFT'))
      .when(commandOf('RemoveLine'))
      .thenMatches([{ type: 'order.line_removed' }]);
    if (!first) throw new Error('expected an event');
    given([created(), first])
      .when({
        type: 'RemoveLine',
        data: { orderId: ORDER_ID, lineId: LINE_A },
        metadata: { now: NOW },
      })
      .thenFails('last-line');
  });

  it('keeps an order at 500 lines at most', () => {
    const base = created();
    const full = {
      ...base,
      data: {
        ...base.data,
        lines: Array.from({ length: 500 }, (_, i) => ({
          ...base.data.lines[0]!,
          lineId: `0190a000-0000-7000-8000-${(0x10000 + i).toString(16).padStart(12, '0')}`,
        })),
      },
    };
    given([full]).when(commandOf('AddLine')).thenFails('validation-failed');
    given([
      full,
      {
        type: 'order.line_removed',
        data: { orderId: ORDER_ID, lineId: full.data.lines[0]!.lineId, removedAt: NOW },
      },
    ])
      .when(commandOf('AddLine'))
      .thenMatches([{ type: 'order.line_added' }]);
  });

  it('names an unknown line line-not-found for remove and change quantity', () => {
    const unknown = '0190a000-0000-7000-8000-0000000000ee';
    given(historyFor('DRAFT'))
      .when({
        type: 'RemoveLine',
        data: { orderId: ORDER_ID, lineId: unknown },
        metadata: { now: NOW },
      })
      .thenFails('line-not-found');
    given(historyFor('DRAFT'))
      .when({
        type: 'ChangeLineQuantity',
        data: { orderId: ORDER_ID, lineId: unknown, quantity: 3 },
        metadata: { now: NOW },
      })
      .thenFails('line-not-found');
  });

  it('refuses a line in another currency with mixed-currencies', () => {
    const command = commandOf('AddLine');
    if (command.type !== 'AddLine') throw new Error('unreachable');
    const euro = {
      ...command,
      data: {
        ...command.data,
        line: { ...command.data.line, unitPrice: { amount: '1.00', currencyCode: 'EUR' } },
      },
    };
    given(historyFor('DRAFT')).when(euro).thenFails('mixed-currencies');
    expect(decide(euro, fold(historyFor('DRAFT')))._unsafeUnwrapErr()).toMatchObject({
      currencies: ['EUR', 'USD'],
    });
  });

  it('treats an unchanged quantity and a line id already present as no-ops', () => {
    given(historyFor('DRAFT'))
      .when({
        type: 'ChangeLineQuantity',
        data: { orderId: ORDER_ID, lineId: LINE_A, quantity: 2 },
        metadata: { now: NOW },
      })
      .then([]);
    const added = commandOf('AddLine');
    if (added.type !== 'AddLine') throw new Error('unreachable');
    given(historyFor('DRAFT'))
      .when({ ...added, data: { ...added.data, line: { ...added.data.line, lineId: LINE_A } } })
      .then([]);
  });

  it('recomputes line totals and the order total after each edit', () => {
    const history = [
      ...historyFor('DRAFT'),
      ...decide(commandOf('AddLine'), fold(historyFor('DRAFT')))._unsafeUnwrap(),
    ];
    const withChange = [
      ...history,
      ...decide(commandOf('ChangeLineQuantity'), fold(history))._unsafeUnwrap(),
    ];
    const state = fold(withChange);
    if (state.status !== 'DRAFT') throw new Error('expected a draft');
    // 5 × 29.99 + 3 × 10 + 4 × 0.125
    expect(state.orderTotal.amount.toString()).toBe('180.45');
    expect(state.lines.map((line) => line.lineTotal.amount.toString())).toEqual([
      '149.95',
      '30',
      '0.5',
    ]);
  });
});

describe('decide: create', () => {
  it('derives the currency from the lines and refuses mixed currencies', () => {
    const command = commandOf('CreateOrder');
    if (command.type !== 'CreateOrder') throw new Error('unreachable');
    const [lineA, lineB] = command.data.lines;
    if (!lineA || !lineB) throw new Error('expected two lines');
    const mixed = {
      ...command,
      data: {
        ...command.data,
        lines: [lineA, { ...lineB, unitPrice: { amount: '10', currencyCode: 'EUR' } }],
      },
    };
    given().when(mixed).thenFails('mixed-currencies');
    given()
      .when({ ...command, data: { ...command.data, currencyCode: 'EUR' } })
      .thenFails('mixed-currencies');
    given()
      .when({ ...command, data: { ...command.data, currencyCode: 'usd' } })
      .thenMatches([{ type: 'order.created', data: { currencyCode: 'USD' } }]);
  });

  it('keeps a given billing address, placedAt, externalId and metadata', () => {
    const command = commandOf('CreateOrder');
    if (command.type !== 'CreateOrder') throw new Error('unreachable');
    given()
      .when({
        ...command,
        data: {
          ...command.data,
          channel: 'MARKETPLACE',
          externalId: 'ext-1',
          billingAddress: newAddress,
          placedAt: '2026-01-01T00:00:00.000Z',
          metadata: { source: 'test' },
        },
      })
      .thenMatches([
        {
          type: 'order.created',
          data: {
            channel: 'MARKETPLACE',
            externalId: 'ext-1',
            billingAddress: newAddress,
            placedAt: '2026-01-01T00:00:00.000Z',
            createdAt: command.metadata.now,
            metadata: { source: 'test' },
          },
        },
      ]);
  });
});
