import {
  decodeCursor,
  encodeCursor,
  type InfrastructureError,
  type ListOrdersQuery,
  type OrderPage,
  type OrderQueries,
  type OrderSummary,
  type OrderView,
  type QueryError,
} from '@oms/domain';
import { errAsync, type ResultAsync } from 'neverthrow';
import { attempt, type Queryable } from '../pool.js';

const GET_ORDER_SQL = 'SELECT document FROM oms_orders WHERE id = $1';

interface Filter {
  readonly clauses: string[];
  readonly values: unknown[];
}

const addClause = (filter: Filter, template: (placeholder: string) => string, value: unknown) => {
  filter.values.push(value);
  filter.clauses.push(template(`$${filter.values.length}`));
};

/**
 * Builds the keyset page query. Each filter column leads an index `(column, created_at DESC, id DESC)`, so a page is
 * an index range scan that stops after `limit + 1` rows wherever the cursor is. Several statuses become one
 * branch per status (each an index range scan with its own LIMIT) merged by the outer ORDER BY, instead of a scan
 * that filters.
 */
export const buildListQuery = (
  query: ListOrdersQuery,
  cursor: { createdAt: string; id: string } | undefined,
): { text: string; values: unknown[] } => {
  const shared: Filter = { clauses: [], values: [] };
  if (query.channel) addClause(shared, (p) => `channel = ${p}`, query.channel);
  if (query.customerEmail)
    addClause(shared, (p) => `customer_email = ${p}`, query.customerEmail.toLowerCase());
  if (query.createdFrom)
    addClause(shared, (p) => `created_at >= ${p}::timestamptz`, query.createdFrom);
  if (query.createdTo) addClause(shared, (p) => `created_at < ${p}::timestamptz`, query.createdTo);
  if (cursor) {
    shared.values.push(cursor.createdAt, cursor.id);
    const at = shared.values.length - 1;
    shared.clauses.push(`(created_at, id) < ($${at}::timestamptz, $${at + 1})`);
  }
  shared.values.push(query.limit + 1);
  const limit = `$${shared.values.length}`;
  const branch = (extra: string | undefined) => {
    const where = [...(extra ? [extra] : []), ...shared.clauses];
    return `SELECT summary, created_at, id FROM oms_orders${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${limit}`;
  };
  const statuses = [...new Set(query.status ?? [])];
  if (statuses.length <= 1)
    return {
      text: branch(statuses.length === 1 ? statusClause(shared, statuses[0]) : undefined),
      values: shared.values,
    };
  const branches = statuses.map((status) => `(${branch(statusClause(shared, status))})`);
  return {
    text: `SELECT summary, created_at, id FROM (${branches.join(' UNION ALL ')}) page ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
    values: shared.values,
  };
};

const statusClause = (filter: Filter, status: string | undefined): string => {
  filter.values.push(status);
  return `status = $${filter.values.length}`;
};

export const createPgOrderQueries = (db: Queryable): OrderQueries => ({
  getOrder(orderId: string): ResultAsync<OrderView | null, InfrastructureError> {
    return attempt(() =>
      db.query<{ document: OrderView }>({
        name: 'oms_get_order_v1',
        text: GET_ORDER_SQL,
        values: [orderId],
      }),
    ).map((result) => result.rows[0]?.document ?? null);
  },
  listOrders(query: ListOrdersQuery): ResultAsync<OrderPage, InfrastructureError | QueryError> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && cursor === undefined)
      return errAsync({
        code: 'invalid-cursor',
        message: 'the cursor is not one this server issued',
      });
    const { text, values } = buildListQuery(query, cursor);
    return attempt(() =>
      db.query<{ summary: OrderSummary; created_at: Date; id: string }>(text, values),
    ).map((result) => {
      const hasMore = result.rows.length > query.limit;
      const page = result.rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        data: page.map((row) => row.summary),
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
