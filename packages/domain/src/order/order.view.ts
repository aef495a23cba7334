import * as z from 'zod';
import { moneyToJson } from '../shared/money.js';
import { AddressSchema, CustomerSchema, MoneySchema } from '../shared/schemas.js';
import { HOLD_REASONS } from './order.holds.js';
import { PAYMENT_STATUSES, RECORDED_PAYMENT_STATUSES } from './order.payments.js';
import type { Order } from './order.state.js';
import { CHANNELS, ORDER_STATUSES } from './order.status.js';

const nullableTime = z.string().nullable().meta({ format: 'date-time' });

export const OrderLineSchema = z
  .object({
    lineId: z.string().meta({ format: 'uuid' }),
    sku: z.string(),
    productName: z.string(),
    quantity: z.number().int(),
    unitPrice: MoneySchema,
    lineTotal: MoneySchema,
    shippedQuantity: z.number().int(),
  })
  .meta({ id: 'OrderLine' });

export const ShipmentSchema = z
  .object({
    shipmentId: z.string(),
    carrier: z.string().nullable(),
    trackingNumber: z.string().nullable(),
    lines: z.array(z.object({ lineId: z.string(), quantity: z.number().int() })),
    shippedAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'Shipment' });

export const PaymentSchema = z
  .object({
    paymentId: z.string(),
    amount: MoneySchema,
    provider: z.string().nullable(),
    status: z.enum(RECORDED_PAYMENT_STATUSES),
    at: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'Payment' });

export const HoldSchema = z
  .object({
    holdId: z.string(),
    reason: z.enum(HOLD_REASONS),
    note: z.string().nullable(),
    placedAt: z.string().meta({ format: 'date-time' }),
    placedBy: z.string(),
  })
  .meta({ id: 'Hold' });

/** An order as clients see it (HTTP responses, the read model's document, published snapshots). */
export const OrderViewSchema = z
  .object({
    id: z.string().meta({ format: 'uuid' }),
    status: z.enum(ORDER_STATUSES),
    channel: z.enum(CHANNELS),
    externalId: z.string().nullable(),
    customer: CustomerSchema,
    shippingAddress: AddressSchema,
    billingAddress: AddressSchema,
    lines: z.array(OrderLineSchema),
    currencyCode: z.string(),
    orderTotal: MoneySchema,
    placedAt: z.string().meta({ format: 'date-time' }),
    confirmedAt: nullableTime,
    cancelledAt: nullableTime,
    cancellationReason: z.string().nullable(),
    unfulfillableAt: nullableTime,
    unfulfillableReason: z.string().nullable(),
    deliveredAt: nullableTime,
    completedAt: nullableTime,
    shipments: z.array(ShipmentSchema),
    metadata: z.record(z.string(), z.string()),
    paymentStatus: z.enum(PAYMENT_STATUSES),
    payments: z.array(PaymentSchema),
    holds: z.array(HoldSchema).meta({ description: 'The active holds, oldest first' }),
    version: z.number().int(),
    createdAt: z.string().meta({ format: 'date-time' }),
    updatedAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'Order' });
export type OrderView = z.output<typeof OrderViewSchema>;

/** The listing row: enough to find an order without loading it. */
export const OrderSummarySchema = z
  .object({
    id: z.string().meta({ format: 'uuid' }),
    status: z.enum(ORDER_STATUSES),
    channel: z.enum(CHANNELS),
    externalId: z.string().nullable(),
    customerEmail: z.string(),
    orderTotal: MoneySchema,
    lineCount: z.number().int(),
    version: z.number().int(),
    createdAt: z.string().meta({ format: 'date-time' }),
    updatedAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'OrderSummary' });
export type OrderSummary = z.output<typeof OrderSummarySchema>;

const field = <K extends string>(order: Order, key: K): string | null =>
  key in order ? ((order as unknown as Record<K, string | undefined>)[key] ?? null) : null;

export const toOrderView = (order: Order): OrderView => ({
  id: order.id,
  status: order.status,
  channel: order.channel,
  externalId: order.externalId ?? null,
  customer: order.customer,
  shippingAddress: order.shippingAddress,
  billingAddress: order.billingAddress,
  lines: order.lines.map((line) => ({
    lineId: line.lineId,
    sku: line.sku,
    productName: line.productName,
    quantity: line.quantity,
    unitPrice: moneyToJson(line.unitPrice),
    lineTotal: moneyToJson(line.lineTotal),
    shippedQuantity: line.shippedQuantity,
  })),
  currencyCode: order.currencyCode,
  orderTotal: moneyToJson(order.orderTotal),
  placedAt: order.placedAt,
  confirmedAt: field(order, 'confirmedAt'),
  cancelledAt: field(order, 'cancelledAt'),
  cancellationReason: field(order, 'cancellationReason'),
  unfulfillableAt: field(order, 'unfulfillableAt'),
  unfulfillableReason: field(order, 'unfulfillableReason'),
  deliveredAt: field(order, 'deliveredAt'),
  completedAt: field(order, 'completedAt'),
  shipments: order.shipments.map((shipment) => ({
    shipmentId: shipment.shipmentId,
    carrier: shipment.carrier ?? null,
    trackingNumber: shipment.trackingNumber ?? null,
    lines: shipment.lines.map((line) => ({ lineId: line.lineId, quantity: line.quantity })),
    shippedAt: shipment.shippedAt,
  })),
  metadata: { ...order.metadata },
  paymentStatus: order.paymentStatus,
  payments: order.payments.map((payment) => ({
    paymentId: payment.paymentId,
    amount: moneyToJson(payment.amount),
    provider: payment.provider ?? null,
    status: payment.status,
    at: payment.at,
  })),
  holds: order.holds.map((hold) => ({
    holdId: hold.holdId,
    reason: hold.reason,
    note: hold.note ?? null,
    placedAt: hold.placedAt,
    placedBy: hold.placedBy,
  })),
  version: order.version,
  createdAt: order.createdAt,
  updatedAt: order.updatedAt,
});

export const toOrderSummary = (view: OrderView): OrderSummary => ({
  id: view.id,
  status: view.status,
  channel: view.channel,
  externalId: view.externalId,
  customerEmail: view.customer.email,
  orderTotal: view.orderTotal,
  lineCount: view.lines.length,
  version: view.version,
  createdAt: view.createdAt,
  updatedAt: view.updatedAt,
});
