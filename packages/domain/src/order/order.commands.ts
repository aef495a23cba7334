import { err, ok, type Result } from 'neverthrow';
import * as z from 'zod';
import {
  AddressInputSchema,
  CustomerInputSchema,
  MetadataSchema,
  MoneyInputSchema,
  QuantitySchema,
  TimestampSchema,
  UuidSchema,
} from '../shared/schemas.js';
import { unstorableTextErrors } from '../shared/textSafety.js';
import { fieldErrors } from '../shared/validation.js';
import { type OrderError, validationFailed } from './order.errors.js';
import { HOLD_REASONS } from './order.holds.js';
import { CREATE_PAYMENT_STATUSES, RECORDED_PAYMENT_STATUSES } from './order.payments.js';
import { CANCELLATION_REASON_CODES, CHANNELS } from './order.status.js';

const text = (max: number) => z.string().trim().min(1).max(max);

// Inputs: what a client sends (HTTP body, Kafka payload, CLI). No ids, no clock.

export const LineInputSchema = z
  .object({
    sku: text(100),
    productName: text(255),
    quantity: QuantitySchema,
    unitPrice: MoneyInputSchema,
  })
  .meta({ id: 'LineInput' });
export type LineInput = z.output<typeof LineInputSchema>;

const paymentFields = {
  paymentId: text(100),
  amount: MoneyInputSchema,
  provider: text(100).optional(),
};

/** A payment as a create carries it (spec §6): a checkout that already authorized or captured. */
export const CreatePaymentInputSchema = z
  .object({ ...paymentFields, status: z.enum(CREATE_PAYMENT_STATUSES) })
  .meta({ id: 'CreatePaymentInput' });

export const CreateOrderInputSchema = z
  .object({
    channel: z.enum(CHANNELS).default('DIRECT'),
    externalId: text(255).optional(),
    customer: CustomerInputSchema,
    shippingAddress: AddressInputSchema,
    billingAddress: AddressInputSchema.optional(),
    lines: z.array(LineInputSchema).min(1, 'an order needs at least one line').max(500),
    currencyCode: z
      .string()
      .optional()
      .meta({ description: 'Optional; derived from the lines and checked against them' }),
    placedAt: TimestampSchema.optional(),
    metadata: MetadataSchema.optional(),
    payment: CreatePaymentInputSchema.optional(),
  })
  .meta({ id: 'CreateOrderInput' });
export type CreateOrderInput = z.output<typeof CreateOrderInputSchema>;

export const AddLineInputSchema = LineInputSchema;
export const ChangeLineQuantityInputSchema = z
  .object({ quantity: QuantitySchema })
  .meta({ id: 'ChangeLineQuantityInput' });
export const ChangeShippingAddressInputSchema = AddressInputSchema;
export const CancelOrderInputSchema = z
  .object({
    reason: text(500),
    reasonCode: z
      .enum(CANCELLATION_REASON_CODES)
      .optional()
      .meta({ description: 'Optional; `other` when omitted' }),
  })
  .meta({ id: 'CancelOrderInput' });
export const ShipmentLineInputSchema = z.object({
  lineId: UuidSchema,
  quantity: QuantitySchema.optional().meta({
    description: 'Omitted: all that remains of the line',
  }),
});
export const ShipOrderInputSchema = z
  .object({
    shipmentId: text(100).optional(),
    carrier: text(100).optional(),
    trackingNumber: text(100).optional(),
    lines: z.array(ShipmentLineInputSchema).min(1).max(500).optional().meta({
      description: 'Omitted: everything not yet shipped',
    }),
    shippedAt: TimestampSchema.optional(),
  })
  .meta({ id: 'ShipOrderInput' });
export type ShipOrderInput = z.output<typeof ShipOrderInputSchema>;
export const DeliverOrderInputSchema = z
  .object({ deliveredAt: TimestampSchema.optional() })
  .meta({ id: 'DeliverOrderInput' });
export const MarkUnfulfillableInputSchema = z
  .object({ reason: text(500), unfulfillableAt: TimestampSchema.optional() })
  .meta({ id: 'MarkUnfulfillableInput' });
export const PlaceHoldInputSchema = z
  .object({
    reason: z.enum(HOLD_REASONS),
    note: text(500).optional(),
    holdId: text(100).optional().meta({
      description: 'Optional; generated when omitted. Placing a hold id already placed is a no-op',
    }),
  })
  .meta({ id: 'PlaceHoldInput' });
export type PlaceHoldInput = z.output<typeof PlaceHoldInputSchema>;
export const RecordPaymentInputSchema = z
  .object({ ...paymentFields, status: z.enum(RECORDED_PAYMENT_STATUSES) })
  .meta({ id: 'RecordPaymentInput' });
export type RecordPaymentInput = z.output<typeof RecordPaymentInputSchema>;
export const EmptyInputSchema = z.object({}).meta({ id: 'EmptyInput' });

// Commands: inputs completed with the ids and the time they need, so that `decide` stays pure.

const CommandMetadataSchema = z.object({
  now: TimestampSchema,
  /** Who asked (the request's actor): recorded as `placedBy` of a hold. */
  actor: text(255).optional(),
});
const OrderRef = { orderId: UuidSchema };
const command = <T extends string, D extends z.ZodRawShape>(type: T, data: D) =>
  z.object({
    type: z.literal(type),
    data: z.object({ ...OrderRef, ...data }),
    metadata: CommandMetadataSchema,
  });

const LineWithIdSchema = LineInputSchema.extend({ lineId: UuidSchema });

export const ORDER_COMMAND_SCHEMAS = {
  CreateOrder: command('CreateOrder', {
    ...CreateOrderInputSchema.shape,
    lines: z.array(LineWithIdSchema).min(1).max(500),
  }),
  AddLine: command('AddLine', { line: LineWithIdSchema }),
  RemoveLine: command('RemoveLine', { lineId: UuidSchema }),
  ChangeLineQuantity: command('ChangeLineQuantity', {
    lineId: UuidSchema,
    quantity: QuantitySchema,
  }),
  ChangeShippingAddress: command('ChangeShippingAddress', { shippingAddress: AddressInputSchema }),
  ConfirmOrder: command('ConfirmOrder', {}),
  CancelOrder: command('CancelOrder', CancelOrderInputSchema.shape),
  ShipOrder: command('ShipOrder', { ...ShipOrderInputSchema.shape, shipmentId: text(100) }),
  MarkUnfulfillable: command('MarkUnfulfillable', MarkUnfulfillableInputSchema.shape),
  DeliverOrder: command('DeliverOrder', DeliverOrderInputSchema.shape),
  CompleteOrder: command('CompleteOrder', {}),
  PlaceHold: command('PlaceHold', { ...PlaceHoldInputSchema.shape, holdId: text(100) }),
  ReleaseHold: command('ReleaseHold', { holdId: text(100) }),
  RecordPayment: command('RecordPayment', RecordPaymentInputSchema.shape),
} as const;

export type OrderCommandType = keyof typeof ORDER_COMMAND_SCHEMAS;
export const ORDER_COMMAND_TYPES = Object.keys(ORDER_COMMAND_SCHEMAS) as OrderCommandType[];
export type OrderCommand = {
  [T in OrderCommandType]: z.output<(typeof ORDER_COMMAND_SCHEMAS)[T]>;
}[OrderCommandType];
export type OrderCommandOf<T extends OrderCommandType> = Extract<OrderCommand, { type: T }>;

const isCommandType = (type: unknown): type is OrderCommandType =>
  typeof type === 'string' && Object.hasOwn(ORDER_COMMAND_SCHEMAS, type);

/**
 * Parses a command with the same schemas that parse HTTP, Kafka and CLI input (one place per rule): the one gate
 * every command passes in `decide`, whoever built it. Returns the parsed command (trimmed text, upper-case
 * currency and country codes, UTC timestamps) or `validation-failed` naming every problem, with paths into the
 * command (`data.lines.0.quantity`). Never throws, whatever the value.
 */
export const parseCommand = (command: unknown): Result<OrderCommand, OrderError> => {
  try {
    const type =
      typeof command === 'object' && command !== null ? Reflect.get(command, 'type') : undefined;
    if (!isCommandType(type))
      return err(
        validationFailed([
          { path: 'type', message: `must be one of ${ORDER_COMMAND_TYPES.join(', ')}` },
        ]),
      );
    const parsed = ORDER_COMMAND_SCHEMAS[type].safeParse(command);
    const problems = [
      ...(parsed.success ? [] : fieldErrors(parsed.error)),
      ...unstorableTextErrors(command),
    ];
    if (problems.length > 0 || !parsed.success) return err(validationFailed(problems));
    return ok(parsed.data as OrderCommand);
  } catch {
    return err(validationFailed([{ path: '', message: 'the command could not be read' }]));
  }
};
