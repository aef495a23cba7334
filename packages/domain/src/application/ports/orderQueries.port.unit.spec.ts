import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seedInput } from '../../../test/harness.js';
import { uuidv7 } from '../../shared/ids.js';
import { createInMemoryOrderStore } from '../../testing/inMemoryOrderStore.js';
import { createOrderCommandHandler } from '../handleOrderCommand.js';
import { uuidV7Generator } from './clock.port.js';
import { decodeCursor, encodeCursor, ListOrdersQuerySchema } from './orderQueries.port.js';

describe('cursors', () => {
  it('round-trip (createdAt, id) and are opaque base64url', () => {
    const cursor = { createdAt: '2026-01-15T10:00:00.000Z', id: uuidv7() };
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(cursor);
  });

  it.each([
    ['', 'empty'],
    ['%%%', 'not base64'],
    [Buffer.from('{"a":1}').toString('base64url'), 'not a pair'],
    [Buffer.from('["2026-01-15T10:00:00Z"]').toString('base64url'), 'one element'],
    [
      Buffer.from('["yesterday","0190a000-0000-7000-8000-000000000001"]').toString('base64url'),
      'bad time',
    ],
    [Buffer.from('["2026-01-15T10:00:00Z","1; DROP TABLE"]').toString('base64url'), 'bad id'],
    [Buffer.from('[1,2]').toString('base64url'), 'numbers'],
  ])('refuses %j (%s)', (text) => {
    expect(decodeCursor(text)).toBeUndefined();
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const cursor = decodeCursor(text);
        expect(cursor === undefined || typeof cursor.id === 'string').toBe(true);
      }),
    );
  });
});

describe('ListOrdersQuerySchema', () => {
  it('defaults limit to 20, takes status repeated or once, and coerces limit from the query string', () => {
    expect(ListOrdersQuerySchema.parse({})).toEqual({ limit: 20 });
    expect(ListOrdersQuerySchema.parse({ status: 'DRAFT', limit: '5' })).toEqual({
      status: ['DRAFT'],
      limit: 5,
    });
    expect(ListOrdersQuerySchema.parse({ status: ['DRAFT', 'SHIPPED'] }).status).toEqual([
      'DRAFT',
      'SHIPPED',
    ]);
    expect(ListOrdersQuerySchema.parse({ channel: ['B2B', 'DIRECT'] }).channel).toBe('DIRECT');
    expect(
      ListOrdersQuerySchema.parse({ createdFrom: '2026-01-01T01:00:00+01:00' }).createdFrom,
    ).toBe('2026-01-01T00:00:00.000Z');
  });

  it.each([
    { limit: '0' },
    { limit: '101' },
    { limit: 'ten' },
    { limit: '2.5' },
    { status: 'LOST' },
    { channel: 'FAX' },
    { createdFrom: 'yesterday' },
    { customerEmail: '' },
  ])('refuses %j', (query) => {
    expect(ListOrdersQuerySchema.safeParse(query).success).toBe(false);
  });
});

describe('in-memory listOrders (keyset pages)', () => {
  it('pages through every order newest first, without gaps or repeats, whatever the page size', async () => {
    const store = createInMemoryOrderStore();
    let tick = 0;
    // several orders share a createdAt, so that the id breaks ties
    const handle = createOrderCommandHandler({
      eventStore: store.eventStore,
      clock: { now: () => new Date(Date.UTC(2026, 0, 1) + 1000 * Math.floor(tick++ / 3)) },
      ids: uuidV7Generator,
    });
    for (let i = 0; i < 23; i += 1)
      (await handle({ type: 'CreateOrder', input: seedInput() }, { actor: 't' }))._unsafeUnwrap();
    const all = (
      await store.queries.listOrders(ListOrdersQuerySchema.parse({ limit: '100' }))
    )._unsafeUnwrap();
    expect(all.data).toHaveLength(23);
    expect(all.pagination).toEqual({ nextCursor: null, hasMore: false });
    for (const limit of [1, 2, 5, 7, 22, 23]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 30; page += 1) {
        const result = (
          await store.queries.listOrders({ limit, ...(cursor ? { cursor } : {}) })
        )._unsafeUnwrap();
        seen.push(...result.data.map((order) => order.id));
        if (!result.pagination.hasMore) {
          expect(result.pagination.nextCursor).toBeNull();
          break;
        }
        cursor = result.pagination.nextCursor ?? undefined;
      }
      expect(seen).toEqual(all.data.map((order) => order.id));
    }
    const keys = all.data.map((order) => [order.createdAt, order.id].join(' '));
    expect([...keys].sort().reverse()).toEqual(keys);
  });

  it('filters by status, channel, customer email and creation time, and refuses a bad cursor', async () => {
    const store = createInMemoryOrderStore();
    let tick = 0;
    const handle = createOrderCommandHandler({
      eventStore: store.eventStore,
      clock: { now: () => new Date(Date.UTC(2026, 0, 1, 0, tick++)) },
      ids: uuidV7Generator,
    });
    const make = async (channel: 'B2B' | 'DIRECT', email: string) =>
      (
        await handle(
          {
            type: 'CreateOrder',
            input: { ...seedInput(), channel, customer: { ...seedInput().customer, email } },
          },
          { actor: 't' },
        )
      )._unsafeUnwrap().view;
    const a = await make('B2B', 'a@example.com');
    const b = await make('DIRECT', 'B@Example.com');
    await handle({ type: 'ConfirmOrder', orderId: b.id }, { actor: 't' });
    const ids = async (query: Record<string, unknown>) =>
      (await store.queries.listOrders(ListOrdersQuerySchema.parse(query)))
        ._unsafeUnwrap()
        .data.map((order) => order.id);
    expect(await ids({ status: 'CONFIRMED' })).toEqual([b.id]);
    expect(await ids({ status: ['DRAFT', 'CONFIRMED'] })).toEqual([b.id, a.id]);
    expect(await ids({ channel: 'B2B' })).toEqual([a.id]);
    expect(await ids({ customerEmail: 'b@example.com' })).toEqual([b.id]);
    expect(await ids({ createdFrom: b.createdAt })).toEqual([b.id]);
    expect(await ids({ createdTo: b.createdAt })).toEqual([a.id]);
    expect(
      (await store.queries.listOrders({ limit: 5, cursor: 'garbage' }))._unsafeUnwrapErr().code,
    ).toBe('invalid-cursor');
  });
});
