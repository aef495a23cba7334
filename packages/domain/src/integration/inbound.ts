import { err, ok, type Result } from 'neverthrow';
import * as z from 'zod';
import type { OrderRequest } from '../application/orderRequests.js';
import {
  RISK_LEVELS,
  recordPaymentRequest,
  riskAssessmentRequest,
} from '../application/paymentRequests.js';
import { type OrderError, validationFailed } from '../order/order.errors.js';
import type { RecordedPaymentStatus } from '../order/order.payments.js';
import { sha256Hex } from '../shared/hash.js';
import {
  MoneyInputSchema,
  QuantitySchema,
  TimestampSchema,
  UuidSchema,
} from '../shared/schemas.js';
import { unstorableTextErrors } from '../shared/textSafety.js';
import { fieldErrors } from '../shared/validation.js';

const optionalText = (max: number) => z.string().trim().min(1).max(max).optional();

export const FulfillmentShippedSchema = z
  .object({
    orderId: UuidSchema,
    shipmentId: optionalText(100),
    carrier: optionalText(100),
    trackingNumber: optionalText(100),
    shippedAt: TimestampSchema,
  })
  .meta({ id: 'FulfillmentShipped' });

export const FulfillmentPartiallyShippedSchema = z
  .object({
    orderId: UuidSchema,
    shipmentId: optionalText(100),
    carrier: optionalText(100),
    trackingNumber: optionalText(100),
    shippedLineIds: z.array(UuidSchema).min(1).max(500).optional(),
    lines: z
      .array(z.object({ lineId: UuidSchema, quantity: QuantitySchema }))
      .min(1)
      .max(500)
      .optional(),
    shippedAt: TimestampSchema,
  })
  .refine((value) => value.shippedLineIds !== undefined || value.lines !== undefined, {
    message: 'shippedLineIds or lines is required',
    path: ['lines'],
  })
  .meta({ id: 'FulfillmentPartiallyShipped' });

export const FulfillmentUnfulfillableSchema = z
  .object({
    orderId: UuidSchema,
    reason: z.string().trim().min(1).max(500),
    unfulfillableAt: TimestampSchema,
  })
  .meta({ id: 'FulfillmentUnfulfillable' });

export const ShippingDeliveredSchema = z
  .object({ orderId: UuidSchema, deliveredAt: TimestampSchema })
  .meta({ id: 'ShippingDelivered' });

/** A payment service's notice (spec §6): the same payload on `oms.payments.authorized`, `.captured`, `.failed`. */
export const PaymentNoticeSchema = z
  .object({
    orderId: UuidSchema,
    paymentId: z.string().trim().min(1).max(100),
    amount: MoneyInputSchema,
    provider: optionalText(100),
    at: TimestampSchema,
  })
  .meta({ id: 'PaymentNotice' });

export const RiskAssessedSchema = z
  .object({
    orderId: UuidSchema,
    riskLevel: z.enum(RISK_LEVELS),
    reason: optionalText(500),
  })
  .meta({ id: 'RiskAssessed' });

export const INBOUND_TOPICS = {
  'oms.fulfillment.shipped': FulfillmentShippedSchema,
  'oms.fulfillment.partially-shipped': FulfillmentPartiallyShippedSchema,
  'oms.fulfillment.unfulfillable': FulfillmentUnfulfillableSchema,
  'oms.shipping.delivered': ShippingDeliveredSchema,
  'oms.payments.authorized': PaymentNoticeSchema,
  'oms.payments.captured': PaymentNoticeSchema,
  'oms.payments.failed': PaymentNoticeSchema,
  'oms.risk.assessed': RiskAssessedSchema,
} as const;

/** The payment status each payment topic records. */
const PAYMENT_TOPIC_STATUS = {
  'oms.payments.authorized': 'AUTHORIZED',
  'oms.payments.captured': 'CAPTURED',
  'oms.payments.failed': 'FAILED',
} as const satisfies Record<string, RecordedPaymentStatus>;
export type InboundTopic = keyof typeof INBOUND_TOPICS;
export const isInboundTopic = (topic: string): topic is InboundTopic =>
  Object.hasOwn(INBOUND_TOPICS, topic);

export const DLQ_TOPIC = 'oms.order-intake.dlq';
export const CONSUMER_GROUP = 'oms-order-intake';

/** The envelope other services publish with; its payload is what the topic's schema checks. */
export const InboundEnvelopeSchema = z.object({
  eventId: z.string().min(1).max(255),
  eventType: z.string().optional(),
  payload: z.record(z.string(), z.unknown()),
});

export interface InboundCommand {
  readonly request: OrderRequest;
  /** The envelope's event id when there is one: the message's identity across redeliveries. */
  readonly eventId?: string;
}

/** A valid message that asks for nothing (a LOW or MEDIUM risk assessment): no command, no dead letter. */
export interface InboundNothingToDo {
  readonly request?: undefined;
  readonly nothingToDo: string;
  readonly orderId: string;
  readonly eventId?: string;
}

/**
 * Turns an inbound message value (already JSON-parsed) into the command it asks for: the envelope of spec §3 or
 * a bare payload. A value that does not fit is `validation-failed` with every problem named.
 */
export const inboundToRequest = (
  topic: InboundTopic,
  value: unknown,
): Result<InboundCommand | InboundNothingToDo, OrderError> => {
  const unstorable = unstorableTextErrors(value);
  if (unstorable.length > 0) return err(validationFailed(unstorable));
  const envelope = InboundEnvelopeSchema.safeParse(value);
  const payload = envelope.success ? envelope.data.payload : value;
  const eventId = envelope.success ? envelope.data.eventId : undefined;
  const withId = (request: OrderRequest): InboundCommand =>
    eventId === undefined ? { request } : { request, eventId };
  /**
   * A shipment without its own id gets one from the message (the envelope's event id, else a digest of the
   * payload), so that a redelivered message is the same shipment, a no-op, rather than a second one.
   */
  const shipmentIdOf = (parsed: { readonly shipmentId?: string | undefined }): string =>
    parsed.shipmentId ??
    (eventId !== undefined && eventId.length <= 100 ? eventId : undefined) ??
    `msg-${sha256Hex(`${topic}\n${eventId ?? JSON.stringify(parsed)}`).slice(0, 32)}`;
  switch (topic) {
    case 'oms.fulfillment.shipped': {
      const parsed = FulfillmentShippedSchema.safeParse(payload);
      if (!parsed.success) return err(validationFailed(fieldErrors(parsed.error)));
      const { orderId, ...input } = parsed.data;
      return ok(
        withId({
          type: 'ShipOrder',
          orderId,
          input: { ...input, shipmentId: shipmentIdOf(parsed.data) },
        }),
      );
    }
    case 'oms.fulfillment.partially-shipped': {
      const parsed = FulfillmentPartiallyShippedSchema.safeParse(payload);
      if (!parsed.success) return err(validationFailed(fieldErrors(parsed.error)));
      const { orderId, shippedLineIds, lines, ...rest } = parsed.data;
      const shipmentLines = lines ?? (shippedLineIds ?? []).map((lineId) => ({ lineId }));
      return ok(
        withId({
          type: 'ShipOrder',
          orderId,
          input: { ...rest, shipmentId: shipmentIdOf(parsed.data), lines: shipmentLines },
        }),
      );
    }
    case 'oms.fulfillment.unfulfillable': {
      const parsed = FulfillmentUnfulfillableSchema.safeParse(payload);
      if (!parsed.success) return err(validationFailed(fieldErrors(parsed.error)));
      const { orderId, ...input } = parsed.data;
      return ok(withId({ type: 'MarkUnfulfillable', orderId, input }));
    }
    case 'oms.shipping.delivered': {
      const parsed = ShippingDeliveredSchema.safeParse(payload);
      if (!parsed.success) return err(validationFailed(fieldErrors(parsed.error)));
      const { orderId, ...input } = parsed.data;
      return ok(withId({ type: 'DeliverOrder', orderId, input }));
    }
    case 'oms.payments.authorized':
    case 'oms.payments.captured':
    case 'oms.payments.failed': {
      const parsed = PaymentNoticeSchema.safeParse(payload);
      if (!parsed.success) return err(validationFailed(fieldErrors(parsed.error)));
      const { at: _at, provider, ...payment } = parsed.data;
      return ok(
        withId(
          recordPaymentRequest({
            ...payment,
            ...(provider === undefined ? {} : { provider }),
            status: PAYMENT_TOPIC_STATUS[topic],
          }),
        ),
      );
    }
    case 'oms.risk.assessed': {
      const parsed = RiskAssessedSchema.safeParse(payload);
      if (!parsed.success) return err(validationFailed(fieldErrors(parsed.error)));
      const { orderId, riskLevel, reason } = parsed.data;
      const request = riskAssessmentRequest({
        orderId,
        riskLevel,
        ...(reason === undefined ? {} : { reason }),
      });
      if (request === undefined)
        return ok({
          nothingToDo: `risk ${riskLevel}: only a HIGH risk holds the order`,
          orderId,
          ...(eventId === undefined ? {} : { eventId }),
        });
      return ok(withId(request));
    }
    default: {
      const unhandled: never = topic;
      return unhandled;
    }
  }
};
