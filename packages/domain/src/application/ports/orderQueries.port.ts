import type { ResultAsync } from 'neverthrow';
import * as z from 'zod';
import { PAYMENT_STATUSES } from '../../order/order.payments.js';
import { CHANNELS, ORDER_STATUSES } from '../../order/order.status.js';
import type { OrderSummary, OrderView } from '../../order/order.view.js';
import { TimestampSchema } from '../../shared/schemas.js';
import type { InfrastructureError, QueryError } from '../errors.js';

const one = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((value) => (Array.isArray(value) ? value[value.length - 1] : value), schema);

/** Query-string filters of GET /v1/orders (spec §4). `status` is repeatable. */
export const ListOrdersQuerySchema = z
  .object({
    status: z
      .preprocess(
        (value) => (value === undefined || Array.isArray(value) ? value : [value]),
        z.array(z.enum(ORDER_STATUSES)).max(8),
      )
      .optional(),
    channel: one(z.enum(CHANNELS)).optional(),
    /** Spec §6: repeatable, like `status`. */
    paymentStatus: z
      .preprocess(
        (value) => (value === undefined || Array.isArray(value) ? value : [value]),
        z.array(z.enum(PAYMENT_STATUSES)).max(5),
      )
      .optional(),
    /** Spec §6: `true` lists orders with an active hold, `false` those without. */
    onHold: one(
      z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]),
    ).optional(),
    customerEmail: one(z.string().trim().min(1).max(320)).optional(),
    createdFrom: one(TimestampSchema).optional(),
    createdTo: one(TimestampSchema).optional(),
    limit: one(z.coerce.number().int().min(1).max(100)).default(20),
    cursor: one(z.string().min(1).max(512)).optional(),
  })
  .meta({ id: 'ListOrdersQuery' });
export type ListOrdersQuery = z.output<typeof ListOrdersQuerySchema>;

export interface OrderPage {
  readonly data: readonly OrderSummary[];
  readonly pagination: { readonly nextCursor: string | null; readonly hasMore: boolean };
}

/** The read side: the inline-maintained read models. */
export interface OrderQueries {
  getOrder(orderId: string): ResultAsync<OrderView | null, InfrastructureError>;
  listOrders(query: ListOrdersQuery): ResultAsync<OrderPage, InfrastructureError | QueryError>;
}

export interface Cursor {
  readonly createdAt: string;
  readonly id: string;
}

/** Opaque keyset cursor: the (createdAt, id) of the last row of a page, newest first. */
export const encodeCursor = (cursor: Cursor): string =>
  Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');

const ISO_UTC = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const decodeCursor = (text: string): Cursor | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [createdAt, id] = value as unknown[];
    if (typeof createdAt !== 'string' || typeof id !== 'string') return undefined;
    // Only the exact form this server writes (a UTC ISO time of years 0001-9999), never what Date.parse tolerates.
    if (!ISO_UTC.test(createdAt) || Number.isNaN(Date.parse(createdAt))) return undefined;
    if (new Date(createdAt).toISOString() !== createdAt) return undefined;
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    return { createdAt, id };
  } catch {
    return undefined;
  }
};
