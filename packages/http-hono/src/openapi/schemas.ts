import { z } from '@hono/zod-openapi';
import { OrderLineSchema, OrderSummarySchema } from '@oms/domain';

// The HTTP layer's own shapes. Order bodies and views come from @oms/domain; nothing here repeats them.

export const IdempotencyKeyHeaderSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x20-\x7e]+$/, 'printable ASCII only')
  .meta({
    description:
      'Makes a POST safe to retry: the same key and request replay the first answer (Idempotent-Replayed: true)',
    example: '0b6f3c1e-checkout-42',
  });

export const IfMatchHeaderSchema = z
  .string()
  .max(1_000)
  .regex(/^\s*(?:\*|(?:W\/)?"[^"]*"(?:\s*,\s*(?:W\/)?"[^"]*")*)\s*$/)
  .meta({
    description:
      'RFC 9110: `*` or a list of entity-tags (`"2"`, `"1", "2"`), compared strongly (a weak `W/"2"` never matches). No match: 412; malformed: 400',
    example: '"1"',
  });

export const IfNoneMatchHeaderSchema = z.string().max(1_000).meta({
  description: 'RFC 9110: `*` or entity-tags, compared weakly; the current one answers 304',
  example: '"1"',
});

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    code: z.string().meta({ example: 'validation-failed' }),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const OrderPageSchema = z
  .object({
    data: z.array(OrderSummarySchema),
    pagination: z.object({ nextCursor: z.string().nullable(), hasMore: z.boolean() }),
  })
  .meta({ id: 'OrderPage' });

export const OrderLinesSchema = z.array(OrderLineSchema).meta({ id: 'OrderLines' });

export const StoredEventSchema = z
  .object({
    eventId: z.string().meta({ format: 'uuid' }),
    type: z.string().meta({ example: 'order.created' }),
    schemaVersion: z.number().int(),
    streamVersion: z.number().int(),
    globalPosition: z.number().int(),
    occurredAt: z.string().meta({ format: 'date-time' }),
    data: z.record(z.string(), z.unknown()),
    metadata: z.object({
      correlationId: z.string(),
      causationId: z.string().nullable(),
      actor: z.string(),
      idempotencyKey: z.string().optional(),
      traceparent: z.string().optional(),
    }),
  })
  .meta({ id: 'StoredEvent' });

export const OrderEventsSchema = z.array(StoredEventSchema).meta({ id: 'OrderEvents' });

export const OrderIdParamSchema = z.object({
  orderId: z.string().meta({ format: 'uuid', param: { name: 'orderId', in: 'path' } }),
});
export const LineParamsSchema = z.object({
  orderId: z.string().meta({ format: 'uuid', param: { name: 'orderId', in: 'path' } }),
  lineId: z.string().meta({ format: 'uuid', param: { name: 'lineId', in: 'path' } }),
});

export const HoldParamsSchema = z.object({
  orderId: z.string().meta({ format: 'uuid', param: { name: 'orderId', in: 'path' } }),
  holdId: z
    .string()
    .max(100)
    .meta({ param: { name: 'holdId', in: 'path' }, example: 'awaiting-payment' }),
});

export const HealthSchema = z.object({ status: z.string() }).meta({ id: 'Health' });
