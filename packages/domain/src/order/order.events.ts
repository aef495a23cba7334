import * as z from 'zod';
import { isCurrencyCode } from '../shared/currencies.js';
import { DECIMAL_AMOUNT } from '../shared/money.js';
import {
  AddressSchema,
  CustomerSchema,
  MetadataSchema,
  QuantitySchema,
  TimestampSchema,
  UuidSchema,
} from '../shared/schemas.js';
import {
  CancelOrderInputSchema,
  CreateOrderInputSchema,
  LineInputSchema,
  MarkUnfulfillableInputSchema,
  PlaceHoldInputSchema,
  RecordPaymentInputSchema,
  ShipOrderInputSchema,
} from './order.commands.js';
import { CANCELLATION_REASON_CODES, CHANNELS, ORDER_STATUSES } from './order.status.js';

/*
 * The schemas of what `decide` writes. Their field rules are the input schemas' own (one place per rule), held in
 * canonical form (upper-case ISO codes, plain decimal amounts): a property test checks that every event `decide`
 * emits passes them. Reading does not re-validate stored events (an event stored under an older rule still folds);
 * it upcasts them by schema version (order.upcast.ts).
 */

const CurrencySchema = z
  .string()
  .refine(isCurrencyCode, { message: 'must be an upper-case ISO 4217 currency code' });

const StoredMoneySchema = z.object({
  amount: z.string().regex(DECIMAL_AMOUNT, 'must be a plain non-negative decimal (15 + 4 digits)'),
  currencyCode: CurrencySchema,
});

export const StoredLineSchema = z.object({
  lineId: UuidSchema,
  sku: LineInputSchema.shape.sku,
  productName: LineInputSchema.shape.productName,
  quantity: QuantitySchema,
  unitPrice: StoredMoneySchema,
});
export type StoredLine = z.output<typeof StoredLineSchema>;

export const OrderCreatedSchema = z.object({
  orderId: UuidSchema,
  channel: z.enum(CHANNELS),
  externalId: CreateOrderInputSchema.shape.externalId,
  customer: CustomerSchema,
  shippingAddress: AddressSchema,
  billingAddress: AddressSchema,
  lines: z.array(StoredLineSchema).min(1).max(500),
  currencyCode: CurrencySchema,
  placedAt: TimestampSchema,
  metadata: MetadataSchema,
  createdAt: TimestampSchema,
});
export const LineAddedSchema = z.object({
  orderId: UuidSchema,
  line: StoredLineSchema,
  addedAt: TimestampSchema,
});
export const LineRemovedSchema = z.object({
  orderId: UuidSchema,
  lineId: UuidSchema,
  removedAt: TimestampSchema,
});
export const LineQuantityChangedSchema = z.object({
  orderId: UuidSchema,
  lineId: UuidSchema,
  quantity: QuantitySchema,
  previousQuantity: QuantitySchema,
  changedAt: TimestampSchema,
});
export const ShippingAddressChangedSchema = z.object({
  orderId: UuidSchema,
  shippingAddress: AddressSchema,
  changedAt: TimestampSchema,
});
export const OrderConfirmedSchema = z.object({ orderId: UuidSchema, confirmedAt: TimestampSchema });
export const OrderCancelledSchema = z.object({
  orderId: UuidSchema,
  reason: CancelOrderInputSchema.shape.reason,
  /** Since schema version 2 (a v1 event is upcast with `other`: order.upcast.ts). */
  reasonCode: z.enum(CANCELLATION_REASON_CODES),
  previousStatus: z.enum(ORDER_STATUSES),
  cancelledAt: TimestampSchema,
});
export const OrderShippedSchema = z.object({
  orderId: UuidSchema,
  shipmentId: ShipOrderInputSchema.shape.shipmentId.unwrap(),
  carrier: ShipOrderInputSchema.shape.carrier,
  trackingNumber: ShipOrderInputSchema.shape.trackingNumber,
  lines: z
    .array(z.object({ lineId: UuidSchema, quantity: QuantitySchema }))
    .min(1)
    .max(500),
  shippedAt: TimestampSchema,
  orderStatus: z.enum(['PARTIALLY_SHIPPED', 'SHIPPED']),
});
export const OrderMarkedUnfulfillableSchema = z.object({
  orderId: UuidSchema,
  reason: MarkUnfulfillableInputSchema.shape.reason,
  previousStatus: z.enum(ORDER_STATUSES),
  unfulfillableAt: TimestampSchema,
});
export const OrderDeliveredSchema = z.object({ orderId: UuidSchema, deliveredAt: TimestampSchema });
export const OrderCompletedSchema = z.object({ orderId: UuidSchema, completedAt: TimestampSchema });
const HoldIdSchema = PlaceHoldInputSchema.shape.holdId.unwrap();
const ActorSchema = z.string().min(1).max(255);
export const OrderHoldPlacedSchema = z.object({
  orderId: UuidSchema,
  holdId: HoldIdSchema,
  reason: PlaceHoldInputSchema.shape.reason,
  note: PlaceHoldInputSchema.shape.note,
  placedAt: TimestampSchema,
  placedBy: ActorSchema,
});
export const OrderHoldReleasedSchema = z.object({
  orderId: UuidSchema,
  holdId: HoldIdSchema,
  reason: PlaceHoldInputSchema.shape.reason,
  releasedAt: TimestampSchema,
  releasedBy: ActorSchema,
});
export const OrderPaymentRecordedSchema = z.object({
  orderId: UuidSchema,
  paymentId: RecordPaymentInputSchema.shape.paymentId,
  amount: StoredMoneySchema,
  provider: RecordPaymentInputSchema.shape.provider,
  status: RecordPaymentInputSchema.shape.status,
  recordedAt: TimestampSchema,
});

/** The data schema of each stored event type, with its current schema version. */
export const ORDER_EVENT_SCHEMAS = {
  'order.created': { version: 1, data: OrderCreatedSchema },
  'order.line_added': { version: 1, data: LineAddedSchema },
  'order.line_removed': { version: 1, data: LineRemovedSchema },
  'order.line_quantity_changed': { version: 1, data: LineQuantityChangedSchema },
  'order.shipping_address_changed': { version: 1, data: ShippingAddressChangedSchema },
  'order.confirmed': { version: 1, data: OrderConfirmedSchema },
  'order.cancelled': { version: 2, data: OrderCancelledSchema },
  'order.shipped': { version: 1, data: OrderShippedSchema },
  'order.marked_unfulfillable': { version: 1, data: OrderMarkedUnfulfillableSchema },
  'order.delivered': { version: 1, data: OrderDeliveredSchema },
  'order.completed': { version: 1, data: OrderCompletedSchema },
  'order.hold_placed': { version: 1, data: OrderHoldPlacedSchema },
  'order.hold_released': { version: 1, data: OrderHoldReleasedSchema },
  'order.payment_recorded': { version: 1, data: OrderPaymentRecordedSchema },
} as const;

export type OrderEventType = keyof typeof ORDER_EVENT_SCHEMAS;
export const ORDER_EVENT_TYPES = Object.keys(ORDER_EVENT_SCHEMAS) as OrderEventType[];

export type OrderEvent = {
  [T in OrderEventType]: {
    readonly type: T;
    readonly data: z.output<(typeof ORDER_EVENT_SCHEMAS)[T]['data']>;
  };
}[OrderEventType];

export type OrderEventOf<T extends OrderEventType> = Extract<OrderEvent, { type: T }>;

export const eventSchemaVersion = (type: OrderEventType): number =>
  ORDER_EVENT_SCHEMAS[type].version;

/** A stored event as JSON (type, data): checks an event read back or received before it is folded. */
export const OrderEventSchema = z.discriminatedUnion(
  'type',
  ORDER_EVENT_TYPES.map((type) =>
    z.object({ type: z.literal(type), data: ORDER_EVENT_SCHEMAS[type].data }),
  ) as unknown as [z.ZodObject<{ type: z.ZodLiteral<OrderEventType>; data: z.ZodTypeAny }>],
);

export const isOrderEventType = (type: string): type is OrderEventType =>
  Object.hasOwn(ORDER_EVENT_SCHEMAS, type);

/** The time an event happened, from its own data. */
export const eventTime = (event: OrderEvent): string => {
  switch (event.type) {
    case 'order.created':
      return event.data.createdAt;
    case 'order.line_added':
      return event.data.addedAt;
    case 'order.line_removed':
      return event.data.removedAt;
    case 'order.line_quantity_changed':
    case 'order.shipping_address_changed':
      return event.data.changedAt;
    case 'order.confirmed':
      return event.data.confirmedAt;
    case 'order.cancelled':
      return event.data.cancelledAt;
    case 'order.shipped':
      return event.data.shippedAt;
    case 'order.marked_unfulfillable':
      return event.data.unfulfillableAt;
    case 'order.delivered':
      return event.data.deliveredAt;
    case 'order.completed':
      return event.data.completedAt;
    case 'order.hold_placed':
      return event.data.placedAt;
    case 'order.hold_released':
      return event.data.releasedAt;
    case 'order.payment_recorded':
      return event.data.recordedAt;
    default: {
      const unhandled: never = event;
      throw new Error(`unknown event ${JSON.stringify(unhandled)}`);
    }
  }
};
