import {
  createOrderCommandHandler,
  type ListOrdersQuery,
  ListOrdersQuerySchema,
  ORDER_INPUT_SCHEMAS,
  type OrderSummary,
  uuidV7Generator,
} from '@oms/domain';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgOrderStore, type PgOrderStore } from '../createPgOrderStore.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { createOrderRequest } from '../testing/fixtures.js';
import { buildListQuery } from './orderQueries.js';
import { rebuildReadModels } from './rebuildReadModels.js';

const CHANNELS = ['ECOMMERCE', 'MARKETPLACE', 'B2B', 'DIRECT'] as const;

describe('order read model', () => {
  let db: TestDatabase;
  let store: PgOrderStore;
  const created: {
    id: string;
    channel: string;
    email: string;
    createdAt: string;
    status: string;
  }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    store = createPgOrderStore({ pool: db.pool });
    let now = Date.parse('2026-02-01T00:00:00.000Z');
    const handle = createOrderCommandHandler({
      eventStore: store.eventStore,
      // Every third order shares its creation time with the previous one: ties are broken by id.
      clock: { now: () => new Date(now) },
      ids: uuidV7Generator,
    });
    for (let i = 0; i < 30; i += 1) {
      if (i % 3 !== 2) now += 60_000;
      const channel = CHANNELS[i % 4] ?? 'DIRECT';
      const email = i % 5 === 0 ? 'Grace.Hopper@Example.com' : `buyer${i}@example.com`;
      const outcome = (
        await handle(
          createOrderRequest({
            channel,
            customer: { firstName: 'Buyer', lastName: `N${i}`, email },
          }),
          { actor: 'pg-test' },
        )
      )._unsafeUnwrap();
      let status: string = outcome.view.status;
      if (i % 3 === 0 || i % 7 === 0) {
        status = (
          await handle({ type: 'ConfirmOrder', orderId: outcome.view.id }, { actor: 'pg-test' })
        )._unsafeUnwrap().view.status;
      }
      if (i % 7 === 0) {
        status = (
          await handle(
            {
              type: 'CancelOrder',
              orderId: outcome.view.id,
              input: ORDER_INPUT_SCHEMAS.CancelOrder.parse({ reason: 'customer changed mind' }),
            },
            { actor: 'pg-test' },
          )
        )._unsafeUnwrap().view.status;
      }
      created.push({
        id: outcome.view.id,
        channel,
        email: email.toLowerCase(),
        createdAt: outcome.view.createdAt,
        status,
      });
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  const newestFirst = (
    a: { createdAt: string; id: string },
    b: { createdAt: string; id: string },
  ) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1);

  const listAll = async (raw: Record<string, unknown>): Promise<OrderSummary[]> => {
    const rows: OrderSummary[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 100; pages += 1) {
      const query: ListOrdersQuery = ListOrdersQuerySchema.parse({
        ...raw,
        ...(cursor ? { cursor } : {}),
      });
      const page = (await store.queries.listOrders(query))._unsafeUnwrap();
      expect(page.data.length).toBeLessThanOrEqual(query.limit);
      rows.push(...page.data);
      expect(page.pagination.hasMore).toBe(page.pagination.nextCursor !== null);
      if (!page.pagination.nextCursor) return rows;
      cursor = page.pagination.nextCursor;
    }
    throw new Error('pagination did not end');
  };

  it('pages through every order newest first with an opaque keyset cursor', async () => {
    const rows = await listAll({ limit: '7' });
    expect(rows.map((row) => row.id)).toEqual([...created].sort(newestFirst).map((o) => o.id));
  });

  it.each([
    ['status (repeatable)', { status: ['CONFIRMED', 'CANCELLED'] }],
    ['one status', { status: 'DRAFT' }],
    ['channel', { channel: 'B2B' }],
    ['customerEmail, case-insensitively', { customerEmail: 'grace.hopper@EXAMPLE.com' }],
    [
      'created range',
      { createdFrom: '2026-02-01T00:05:00.000Z', createdTo: '2026-02-01T00:12:00.000Z' },
    ],
    ['status and channel', { status: ['DRAFT', 'CANCELLED'], channel: 'ECOMMERCE' }],
  ])('filters by %s', async (_name, filter) => {
    const rows = await listAll({ ...filter, limit: '4' });
    const statuses = (filter as { status?: string | string[] }).status;
    const wanted = created
      .filter(
        (order) =>
          (!statuses || [statuses].flat().includes(order.status)) &&
          (!('channel' in filter) || order.channel === filter.channel) &&
          (!('customerEmail' in filter) || order.email === 'grace.hopper@example.com') &&
          (!('createdFrom' in filter) ||
            (order.createdAt >= filter.createdFrom && order.createdAt < filter.createdTo)),
      )
      .sort(newestFirst);
    expect(wanted.length).toBeGreaterThan(0);
    expect(rows.map((row) => row.id)).toEqual(wanted.map((order) => order.id));
  });

  it('answers the summary and the full document of an order as of its last command', async () => {
    const last = created.at(-1);
    if (!last) throw new Error('no orders');
    const view = (await store.queries.getOrder(last.id))._unsafeUnwrap();
    expect(view).toMatchObject({ id: last.id, status: last.status, channel: last.channel });
    const stream = (await store.eventStore.readStream(last.id))._unsafeUnwrap();
    expect(view?.version).toBe(stream.version);
    const [summary] = (await listAll({ limit: '1' })).filter((row) => row.id === last.id);
    expect(summary).toMatchObject({
      id: last.id,
      customerEmail: view?.customer.email,
      orderTotal: { amount: '59.98', currencyCode: 'USD' },
      lineCount: 1,
      version: stream.version,
    });
    expect(
      (await store.queries.getOrder('00000000-0000-7000-8000-000000000000'))._unsafeUnwrap(),
    ).toBeNull();
    expect((await store.queries.getOrder('not-a-uuid'))._unsafeUnwrap()).toBeNull();
  });

  it('refuses a cursor it did not issue', async () => {
    const page = await store.queries.listOrders(
      ListOrdersQuerySchema.parse({ cursor: 'bm90LWEtY3Vyc29y' }),
    );
    expect(page._unsafeUnwrapErr().code).toBe('invalid-cursor');
  });

  it('rebuilds the same read model from the events as the one maintained inline', async () => {
    const snapshot = async () => (await db.pool.query('SELECT * FROM oms_orders ORDER BY id')).rows;
    const inline = await snapshot();
    expect(inline).toHaveLength(30);
    await db.pool.query('DELETE FROM oms_orders WHERE id IN (SELECT id FROM oms_orders LIMIT 5)');
    await db.pool.query(
      "UPDATE oms_orders SET status = 'COMPLETED', version = 0, line_count = 0 WHERE id = $1",
      [created[3]?.id],
    );
    await db.pool.query(
      "INSERT INTO oms_orders (id, status, channel, customer_email, created_at, updated_at, version, line_count, order_total, currency_code) SELECT '00000000-0000-7000-8000-0000000000aa', status, channel, customer_email, created_at, updated_at, version, line_count, order_total, currency_code FROM oms_orders LIMIT 1",
    );
    const report = await rebuildReadModels(db.pool, { batchSize: 7 });
    expect(report).toEqual({ streams: 30, orders: 30, removed: 1 });
    expect(await snapshot()).toEqual(inline);
  });
});

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Plan Rows': number;
  readonly Plans?: readonly PlanNode[];
}

/** The estimated input sizes of every Sort node of a plan. */
const sortInputs = (node: PlanNode | undefined): number[] => {
  if (!node) return [];
  const here =
    node['Node Type'] === 'Sort' ? (node.Plans ?? []).map((child) => child['Plan Rows']) : [];
  return [...here, ...(node.Plans ?? []).flatMap(sortInputs)];
};

describe('listing plans', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(inject('databaseUrl'));
    await db.pool.query(`
      INSERT INTO oms_orders (id, status, channel, payment_status, on_hold, customer_email, created_at, updated_at,
                              version, line_count, order_total, currency_code)
      SELECT gen_random_uuid(),
             (ARRAY['DRAFT','CONFIRMED','PARTIALLY_SHIPPED','SHIPPED','DELIVERED','COMPLETED','CANCELLED','UNFULFILLABLE'])[1 + n % 8],
             (ARRAY['ECOMMERCE','MARKETPLACE','B2B','DIRECT'])[1 + n % 4],
             (ARRAY['PENDING','AUTHORIZED','CAPTURED','FAILED','VOIDED'])[1 + n % 5],
             n % 1000 = 0,
             'buyer' || (n % 5000) || '@example.com',
             timestamptz '2026-01-01' + n * interval '1 second',
             timestamptz '2026-01-01' + n * interval '1 second',
             1, 1, '59.98', 'USD'
        FROM generate_series(1, 60000) AS n`);
    await db.pool.query('ANALYZE oms_orders');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const cursor = {
    createdAt: '2026-01-01T10:00:00.000Z',
    id: 'ffffffff-ffff-7fff-bfff-ffffffffffff',
  };

  it.each([
    ['no filter', {}],
    ['one status', { status: ['SHIPPED'] }],
    ['three statuses', { status: ['DRAFT', 'CONFIRMED', 'CANCELLED'] }],
    ['channel', { channel: 'B2B' }],
    ['customer email', { customerEmail: 'buyer42@example.com' }],
    ['created range', { createdFrom: '2026-01-01T01:00:00Z', createdTo: '2026-01-01T02:00:00Z' }],
    ['status and channel', { status: ['DRAFT'], channel: 'DIRECT' }],
  ])(
    'reads a page with %s by index, without a sequential scan or a full sort',
    async (_name, filter) => {
      for (const at of [undefined, cursor]) {
        const { text, values } = buildListQuery(
          ListOrdersQuerySchema.parse({ ...filter, limit: 20 }),
          at,
        );
        const plan = await db.pool.query(`EXPLAIN (FORMAT JSON) ${text}`, values);
        const json = JSON.stringify(plan.rows[0]);
        expect(json).not.toContain('Seq Scan');
        expect(json).toMatch(/Index (Only )?Scan/);
        // A sort is fine only over a small, filter-bounded set (one customer's orders), never over the table.
        for (const sorted of sortInputs(plan.rows[0]?.['QUERY PLAN']?.[0]?.Plan))
          expect(sorted).toBeLessThan(1_000);
      }
    },
  );

  const FILTERS = {
    status: { status: ['CANCELLED'] },
    // CANCELLED orders are all B2B here: CANCELLED + DIRECT is an empty combination of two large sets.
    channel: { channel: 'DIRECT' },
    customerEmail: { customerEmail: 'Buyer42@example.com' },
    created: { createdFrom: '2026-01-01T01:00:00Z', createdTo: '2026-01-01T09:00:00Z' },
    paymentStatus: { paymentStatus: ['FAILED'] },
    onHold: { onHold: true },
  } as const;
  /** Every non-empty subset of the filters. */
  const combinations = Array.from({ length: 2 ** Object.keys(FILTERS).length - 1 }, (_, i) =>
    Object.keys(FILTERS).filter((_key, bit) => ((i + 1) >> bit) & 1),
  );

  it.each([...combinations, ['status', 'channel', 'onHold=false']].map((c) => [c.join(' + '), c]))(
    'reads a page with %s in a few buffers, whatever the combination (no range read that discards rows)',
    async (_name, keys) => {
      const filter = Object.assign(
        {},
        ...keys.map((key) =>
          key === 'onHold=false' ? { onHold: false } : FILTERS[key as keyof typeof FILTERS],
        ),
      );
      for (const at of [undefined, cursor]) {
        const { text, values } = buildListQuery(
          { ...ListOrdersQuerySchema.parse({ ...filter, limit: 20 }), ...filter },
          at,
        );
        const plan = await db.pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values);
        const top = plan.rows[0]?.['QUERY PLAN']?.[0]?.Plan as Record<string, number>;
        expect(JSON.stringify(plan.rows[0])).not.toContain('Seq Scan');
        expect((top['Shared Hit Blocks'] ?? 0) + (top['Shared Read Blocks'] ?? 0)).toBeLessThan(
          400,
        );
      }
    },
  );
});
