import {
  CHANNELS,
  decodeCursor,
  encodeCursor,
  type InfrastructureError,
  isOrder,
  type ListOrdersQuery,
  ORDER_STATUSES,
  type OrderPage,
  type OrderQueries,
  type OrderView,
  type QueryError,
  stateFromEvents,
  toOrderView,
} from '@oms/domain';
import { errAsync, type ResultAsync } from 'neverthrow';
import { readStream } from '../eventStore/readStream.js';
import { attempt, type Queryable } from '../pool.js';
import { isUuid, type StoredOrderRow, SUMMARY_COLUMNS, toOrderSummaryFromRow } from './orderRow.js';

/** The payment statuses the read model holds (spec §6; the CHECK of migration 10). */
export const PAYMENT_STATUSES = ['PENDING', 'AUTHORIZED', 'CAPTURED', 'FAILED', 'VOIDED'] as const;

/** The listing filters of spec §4, with §6's payment status and hold flag (until the port has them). */
export type OrderListing = ListOrdersQuery & {
  readonly paymentStatus?: readonly string[] | undefined;
  readonly onHold?: boolean | undefined;
};

interface Parameters {
  readonly values: unknown[];
  readonly refs: Map<unknown, string>;
}

/** A parameter reference for a value, one per distinct value. */
const param = (params: Parameters, value: unknown, cast = ''): string => {
  const known = params.refs.get(value);
  if (known) return `${known}${cast}`;
  params.values.push(value);
  const ref = `$${params.values.length}`;
  params.refs.set(value, ref);
  return `${ref}${cast}`;
};

const distinct = <T>(values: readonly T[] | undefined): T[] => [...new Set(values ?? [])];

/**
 * Builds the keyset page query. Every page is one or more index range reads in `(created_at DESC, id DESC)` order
 * that stop after `limit + 1` rows wherever the cursor is (the indexes of migration 10):
 * - a customer email: its index, other filters checked on that customer's rows;
 * - orders on hold: the partial index of held orders (few), other filters checked on them;
 * - any of status, channel, payment status: one branch per combination of their values (an unfiltered one takes
 *   every value of its closed set) on the facet index `(status, channel, payment_status, created_at, id)`, merged in
 *   created order (Merge Append) and cut at the limit: no branch reads more than a page;
 * - otherwise the created index.
 */
export const buildListQuery = (
  query: OrderListing,
  cursor: { createdAt: string; id: string } | undefined,
): { text: string; values: unknown[] } => {
  const params: Parameters = { values: [], refs: new Map() };
  const shared: string[] = [];
  if (query.customerEmail)
    shared.push(`customer_email = ${param(params, query.customerEmail.toLowerCase())}`);
  if (query.createdFrom)
    shared.push(`created_at >= ${param(params, query.createdFrom, '::timestamptz')}`);
  if (query.createdTo)
    shared.push(`created_at < ${param(params, query.createdTo, '::timestamptz')}`);
  if (query.onHold !== undefined) shared.push(query.onHold ? 'on_hold' : 'NOT on_hold');
  if (cursor)
    shared.push(
      `(created_at, id) < (${param(params, cursor.createdAt, '::timestamptz')}, ${param(params, cursor.id, '::uuid')})`,
    );
  const limit = param(params, query.limit + 1);
  const statuses = distinct(query.status);
  const channels = distinct(query.channel ? [query.channel] : []);
  const payments = distinct(query.paymentStatus);
  const branch = (where: readonly string[]) =>
    `SELECT ${SUMMARY_COLUMNS} FROM oms_orders${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${limit}`;
  const facetFiltered = statuses.length + channels.length + payments.length > 0;
  if (!facetFiltered || query.customerEmail || query.onHold === true) {
    const facets = [
      ...(statuses.length
        ? [`status IN (${statuses.map((s) => param(params, s)).join(', ')})`]
        : []),
      ...(channels.length ? [`channel = ${param(params, channels[0])}`] : []),
      ...(payments.length
        ? [`payment_status IN (${payments.map((p) => param(params, p)).join(', ')})`]
        : []),
    ];
    return { text: branch([...facets, ...shared]), values: params.values };
  }
  const branches: string[] = [];
  for (const status of statuses.length ? statuses : ORDER_STATUSES)
    for (const channel of channels.length ? channels : CHANNELS)
      for (const payment of payments.length ? payments : PAYMENT_STATUSES)
        branches.push(
          branch([
            `status = ${param(params, status)}`,
            `channel = ${param(params, channel)}`,
            `payment_status = ${param(params, payment)}`,
            ...shared,
          ]),
        );
  if (branches.length === 1) return { text: branches[0] ?? '', values: params.values };
  return {
    text: `SELECT * FROM (${branches.map((b) => `(${b})`).join(' UNION ALL ')}) page ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
    values: params.values,
  };
};

export const createPgOrderQueries = (db: Queryable): OrderQueries => ({
  /** The order folded from its stream, where its content is stored once (the read model keeps no copy). */
  getOrder(orderId: string): ResultAsync<OrderView | null, InfrastructureError> {
    return readStream(db, orderId).map(({ events }) => {
      const state = stateFromEvents(events);
      return isOrder(state) ? toOrderView(state) : null;
    });
  },
  listOrders(query: OrderListing): ResultAsync<OrderPage, InfrastructureError | QueryError> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && (cursor === undefined || !isUuid(cursor.id)))
      return errAsync({
        code: 'invalid-cursor',
        message: 'the cursor is not one this server issued',
      });
    const { text, values } = buildListQuery(query, cursor);
    return attempt(() => db.query<StoredOrderRow>(text, values)).map((result) => {
      const hasMore = result.rows.length > query.limit;
      const page = result.rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        data: page.map(toOrderSummaryFromRow),
        pagination: {
          nextCursor:
            hasMore && last
              ? encodeCursor({ createdAt: last.created_at.toISOString(), id: last.id })
              : null,
          hasMore,
        },
      };
    });
  },
});
