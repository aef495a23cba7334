import type {
  OrderCommand,
  OrderCommandOf,
  OrderCommandType,
} from '../src/order/order.commands.js';
import type { OrderEvent, OrderEventOf } from '../src/order/order.events.js';
import type { OrderStatus } from '../src/order/order.status.js';

/** Fixed ids and times so that expected events can be written out in full. */
export const ORDER_ID = '0190a000-0000-7000-8000-000000000001';
export const LINE_A = '0190a000-0000-7000-8000-00000000000a';
export const LINE_B = '0190a000-0000-7000-8000-00000000000b';
export const LINE_NEW = '0190a000-0000-7000-8000-0000000000ff';
export const UNKNOWN_LINE = '0190a000-0000-7000-8000-0000000000ee';
/** A distinct UUID v7 of the fixed family for a number (line ids of generated orders). */
export const uuidOf = (n: number): string =>
  `0190a000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
export const HOLD_ID = 'hold-test';
export const PAYMENT_ID = 'pi_test';
export const CREATED_AT = '2026-01-15T10:00:00.000Z';
export const NOW = '2026-01-16T09:00:00.000Z';

export const customer = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };
export const address = {
  street: '12 Analytical Row',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'GB',
};
export const newAddress = {
  street: '1 Infinite Loop',
  city: 'Cupertino',
  state: 'CA',
  postalCode: '95014',
  country: 'US',
};

export const lineA = {
  lineId: LINE_A,
  sku: 'SKU-A',
  productName: 'Difference Engine Manual',
  quantity: 2,
  unitPrice: { amount: '29.99', currencyCode: 'USD' },
};
export const lineB = {
  lineId: LINE_B,
  sku: 'SKU-B',
  productName: 'Punch Cards',
  quantity: 3,
  unitPrice: { amount: '10', currencyCode: 'USD' },
};

const meta = { now: NOW };

/** One well-formed command of each type against ORDER_ID. */
export const commands = {
  CreateOrder: (): OrderCommandOf<'CreateOrder'> => ({
    type: 'CreateOrder',
    data: {
      orderId: ORDER_ID,
      channel: 'DIRECT',
      customer,
      shippingAddress: address,
      lines: [lineA, lineB],
    },
    metadata: { now: CREATED_AT },
  }),
  AddLine: (): OrderCommandOf<'AddLine'> => ({
    type: 'AddLine',
    data: {
      orderId: ORDER_ID,
      line: {
        lineId: LINE_NEW,
        sku: 'SKU-N',
        productName: 'Brass Gear',
        quantity: 4,
        unitPrice: { amount: '0.125', currencyCode: 'USD' },
      },
    },
    metadata: meta,
  }),
  RemoveLine: (): OrderCommandOf<'RemoveLine'> => ({
    type: 'RemoveLine',
    data: { orderId: ORDER_ID, lineId: LINE_B },
    metadata: meta,
  }),
  ChangeLineQuantity: (): OrderCommandOf<'ChangeLineQuantity'> => ({
    type: 'ChangeLineQuantity',
    data: { orderId: ORDER_ID, lineId: LINE_A, quantity: 5 },
    metadata: meta,
  }),
  ChangeShippingAddress: (): OrderCommandOf<'ChangeShippingAddress'> => ({
    type: 'ChangeShippingAddress',
    data: { orderId: ORDER_ID, shippingAddress: newAddress },
    metadata: meta,
  }),
  ConfirmOrder: (): OrderCommandOf<'ConfirmOrder'> => ({
    type: 'ConfirmOrder',
    data: { orderId: ORDER_ID },
    metadata: meta,
  }),
  CancelOrder: (): OrderCommandOf<'CancelOrder'> => ({
    type: 'CancelOrder',
    data: { orderId: ORDER_ID, reason: 'customer changed their mind' },
    metadata: meta,
  }),
  ShipOrder: (): OrderCommandOf<'ShipOrder'> => ({
    type: 'ShipOrder',
    data: { orderId: ORDER_ID, shipmentId: 'shipment-test', carrier: 'DHL' },
    metadata: meta,
  }),
  MarkUnfulfillable: (): OrderCommandOf<'MarkUnfulfillable'> => ({
    type: 'MarkUnfulfillable',
    data: { orderId: ORDER_ID, reason: 'out of stock' },
    metadata: meta,
  }),
  DeliverOrder: (): OrderCommandOf<'DeliverOrder'> => ({
    type: 'DeliverOrder',
    data: { orderId: ORDER_ID },
    metadata: meta,
  }),
  CompleteOrder: (): OrderCommandOf<'CompleteOrder'> => ({
    type: 'CompleteOrder',
    data: { orderId: ORDER_ID },
    metadata: meta,
  }),
  PlaceHold: (): OrderCommandOf<'PlaceHold'> => ({
    type: 'PlaceHold',
    data: { orderId: ORDER_ID, holdId: HOLD_ID, reason: 'HIGH_RISK_OF_FRAUD', note: 'score 91' },
    metadata: { ...meta, actor: 'risk-desk' },
  }),
  ReleaseHold: (): OrderCommandOf<'ReleaseHold'> => ({
    type: 'ReleaseHold',
    data: { orderId: ORDER_ID, holdId: HOLD_ID },
    metadata: { ...meta, actor: 'risk-desk' },
  }),
  RecordPayment: (): OrderCommandOf<'RecordPayment'> => ({
    type: 'RecordPayment',
    data: {
      orderId: ORDER_ID,
      paymentId: PAYMENT_ID,
      amount: { amount: '89.98', currencyCode: 'USD' },
      provider: 'stripe',
      status: 'AUTHORIZED',
    },
    metadata: meta,
  }),
} satisfies { [T in OrderCommandType]: () => OrderCommandOf<T> };

export const commandOf = (type: OrderCommandType): OrderCommand => commands[type]();

export const created = (): OrderEventOf<'order.created'> => ({
  type: 'order.created',
  data: {
    orderId: ORDER_ID,
    channel: 'DIRECT',
    customer,
    shippingAddress: address,
    billingAddress: address,
    lines: [lineA, lineB],
    currencyCode: 'USD',
    placedAt: CREATED_AT,
    metadata: {},
    createdAt: CREATED_AT,
  },
});
const at = (hour: number): string => `2026-01-15T${String(hour).padStart(2, '0')}:00:00.000Z`;
export const confirmed = (): OrderEvent => ({
  type: 'order.confirmed',
  data: { orderId: ORDER_ID, confirmedAt: at(11) },
});
export const shippedSome = (): OrderEvent => ({
  type: 'order.shipped',
  data: {
    orderId: ORDER_ID,
    shipmentId: 'shipment-1',
    lines: [{ lineId: LINE_A, quantity: 1 }],
    shippedAt: at(12),
    orderStatus: 'PARTIALLY_SHIPPED',
  },
});
export const shippedRest = (): OrderEvent => ({
  type: 'order.shipped',
  data: {
    orderId: ORDER_ID,
    shipmentId: 'shipment-2',
    lines: [
      { lineId: LINE_A, quantity: 1 },
      { lineId: LINE_B, quantity: 3 },
    ],
    shippedAt: at(13),
    orderStatus: 'SHIPPED',
  },
});
export const delivered = (): OrderEvent => ({
  type: 'order.delivered',
  data: { orderId: ORDER_ID, deliveredAt: at(14) },
});
export const completed = (): OrderEvent => ({
  type: 'order.completed',
  data: { orderId: ORDER_ID, completedAt: at(15) },
});
export const cancelled = (): OrderEvent => ({
  type: 'order.cancelled',
  data: {
    orderId: ORDER_ID,
    reason: 'duplicate',
    reasonCode: 'other',
    previousStatus: 'DRAFT',
    cancelledAt: at(11),
  },
});
export const markedUnfulfillable = (): OrderEvent => ({
  type: 'order.marked_unfulfillable',
  data: {
    orderId: ORDER_ID,
    reason: 'warehouse fire',
    previousStatus: 'CONFIRMED',
    unfulfillableAt: at(12),
  },
});

/** The hold `commands.PlaceHold()` places, as an event. */
export const holdPlaced = (
  holdId = HOLD_ID,
  reason: OrderEventOf<'order.hold_placed'>['data']['reason'] = 'HIGH_RISK_OF_FRAUD',
): OrderEventOf<'order.hold_placed'> => ({
  type: 'order.hold_placed',
  data: { orderId: ORDER_ID, holdId, reason, placedAt: at(10), placedBy: 'risk-desk' },
});

/** A payment of `amount` USD (the order total is 89.98). */
export const paymentRecorded = (
  amount = '89.98',
  status: OrderEventOf<'order.payment_recorded'>['data']['status'] = 'AUTHORIZED',
  paymentId = PAYMENT_ID,
): OrderEventOf<'order.payment_recorded'> => ({
  type: 'order.payment_recorded',
  data: {
    orderId: ORDER_ID,
    paymentId,
    amount: { amount, currencyCode: 'USD' },
    status,
    recordedAt: at(10),
  },
});

/** A history that leaves the order (two lines: A 2 × 29.99, B 3 × 10 USD) in each status. */
export const historyFor = (status: OrderStatus | 'NONE'): OrderEvent[] => {
  switch (status) {
    case 'NONE':
      return [];
    case 'DRAFT':
      return [created()];
    case 'CONFIRMED':
      return [created(), confirmed()];
    case 'PARTIALLY_SHIPPED':
      return [created(), confirmed(), shippedSome()];
    case 'SHIPPED':
      return [created(), confirmed(), shippedSome(), shippedRest()];
    case 'DELIVERED':
      return [created(), confirmed(), shippedSome(), shippedRest(), delivered()];
    case 'COMPLETED':
      return [created(), confirmed(), shippedSome(), shippedRest(), delivered(), completed()];
    case 'CANCELLED':
      return [created(), cancelled()];
    case 'UNFULFILLABLE':
      return [created(), confirmed(), markedUnfulfillable()];
    default: {
      const unhandled: never = status;
      return unhandled;
    }
  }
};
