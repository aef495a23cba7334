import {
  createOrderCommandHandler,
  ERASED,
  type EventStore,
  fold,
  isOrder,
  ORDER_INPUT_SCHEMAS,
  type OrderView,
  privacyStreamId,
  type RecordedEvent,
  stateFromEvents,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/fixtures';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgOrderStore, type PgOrderStore } from '../createPgOrderStore.js';
import { rebuildReadModels } from '../projections/rebuildReadModels.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { eraseCustomer } from './eraseCustomer.js';
import { createLocalKeyManagement, generateMasterKey } from './localKeyManagement.js';

let db: TestDatabase;
let store: PgOrderStore;
let masterKey: string;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
  masterKey = generateMasterKey();
  store = createPgOrderStore({
    pool: db.pool,
    keyManagement: await createLocalKeyManagement({ masterKey }),
  });
});
afterAll(async () => {
  await db?.drop();
});

const placeOrder = async (
  eventStore: EventStore,
  email: string,
  extra = true,
): Promise<OrderView> => {
  const handle = createOrderCommandHandler({
    eventStore,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  const body = orderFixtures.seedCreateOrderBody();
  const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse({
    ...body,
    customer: { ...body.customer, email },
  });
  const created = (await handle({ type: 'CreateOrder', input }, { actor: 'test' }))._unsafeUnwrap();
  const orderId = created.view.id;
  if (!extra) return created.view;
  const address = ORDER_INPUT_SCHEMAS.ChangeShippingAddress.parse({
    street: '7 Secret Lane',
    city: 'Bath',
    postalCode: 'BA1',
    country: 'GB',
  });
  await handle({ type: 'ChangeShippingAddress', orderId, input: address }, { actor: 'test' });
  return (await handle({ type: 'ConfirmOrder', orderId }, { actor: 'test' }))._unsafeUnwrap().view;
};

const rawData = async (streamId: string): Promise<string> =>
  JSON.stringify(
    (
      await db.pool.query(
        'SELECT data FROM oms_events WHERE stream_id = $1 ORDER BY stream_version',
        [streamId],
      )
    ).rows,
  );

const readAllOf = async (eventStore: EventStore, streamId: string): Promise<RecordedEvent[]> =>
  (await eventStore.readAll(0, 100_000))
    ._unsafeUnwrap()
    .filter((event) => event.streamId === streamId);

describe('personal data in stored events', () => {
  it('is stored encrypted and read back as written, by stream and globally', async () => {
    const view = await placeOrder(store.eventStore, 'grace.hopper@example.com');
    const raw = await rawData(view.id);
    for (const secret of ['grace.hopper', 'Lovelace', 'Ada', 'Secret Lane', 'Bath', '"+44'])
      expect(raw).not.toContain(secret);
    expect(raw).toContain('"country":"GB"');
    const stream = (await store.eventStore.readStream(view.id))._unsafeUnwrap();
    const folded = stateFromEvents(stream.events);
    expect(isOrder(folded) && folded.customer.email).toBe('grace.hopper@example.com');
    expect(isOrder(folded) && folded.shippingAddress.street).toBe('7 Secret Lane');
    const global = await readAllOf(store.eventStore, view.id);
    expect(global.map((event) => event.data)).toEqual(stream.events.map((event) => event.data));
    expect(JSON.stringify(global)).not.toContain('$pii');
  });

  it('one key per new customer, created by the append that needs it', async () => {
    const before = await db.pool.query('SELECT count(*)::int AS n FROM oms_data_keys');
    await placeOrder(store.eventStore, 'one-key@example.com', false);
    await placeOrder(store.eventStore, 'ONE-KEY@example.com', false);
    const after = await db.pool.query('SELECT count(*)::int AS n FROM oms_data_keys');
    expect(after.rows[0].n - before.rows[0].n).toBe(1);
    const wrapped = await db.pool.query('SELECT wrapped_key FROM oms_data_keys LIMIT 1');
    expect(wrapped.rows[0].wrapped_key).toHaveLength(12 + 32 + 16);
  });

  it('reads as erased through a store without the master key; refuses a wrong one', async () => {
    const view = await placeOrder(store.eventStore, 'no-key@example.com');
    const plainStore = createPgOrderStore({ pool: db.pool });
    const state = stateFromEvents(
      (await plainStore.eventStore.readStream(view.id))._unsafeUnwrap().events,
    );
    expect(isOrder(state) && state.customer.email).toBe(ERASED);
    const wrong = createPgOrderStore({
      pool: db.pool,
      keyManagement: await createLocalKeyManagement({ masterKey: generateMasterKey() }),
    });
    const read = await wrong.eventStore.readStream(view.id);
    expect(read.isErr() && read.error.message).toMatch(/OMS_MASTER_KEY/);
  });

  it('erasure: events, asOf and the global read show "[erased]"; the fold keeps status, lines, totals, version', async () => {
    const email = 'erase.me@example.com';
    const first = await placeOrder(store.eventStore, email);
    const second = await placeOrder(store.eventStore, email, false);
    const other = await placeOrder(store.eventStore, 'keep.me@example.com', false);
    const before = (await store.eventStore.readStream(first.id))._unsafeUnwrap();

    // another process that already holds the key in its cache
    const otherProcess = createPgOrderStore({
      pool: db.pool,
      keyManagement: await createLocalKeyManagement({ masterKey }),
    });
    await otherProcess.eventStore.readStream(first.id);

    const erasure = await eraseCustomer(db.pool, 'Erase.Me@example.com', { cipher: store.cipher });
    expect(erasure).toEqual({ orders: 2, erasedNow: 2 });
    expect(await eraseCustomer(db.pool, email, { cipher: store.cipher })).toEqual({
      orders: 2,
      erasedNow: 0,
    });

    for (const reader of [store, otherProcess]) {
      const after = (await reader.eventStore.readStream(first.id))._unsafeUnwrap();
      expect(after.version).toBe(before.version);
      expect(after.events).toHaveLength(before.events.length);
      const text = JSON.stringify(after.events);
      expect(text).not.toContain(email);
      expect(text).not.toContain('Secret Lane');
      const was = fold(
        before.events.map((event) => ({ type: event.type, data: event.data }) as never),
      );
      const now = stateFromEvents(after.events);
      expect(isOrder(now) && isOrder(was)).toBe(true);
      if (isOrder(now) && isOrder(was)) {
        expect(now.customer).toEqual({
          firstName: ERASED,
          lastName: ERASED,
          email: ERASED,
          phone: ERASED,
        });
        expect(now.shippingAddress).toMatchObject({ street: ERASED, city: ERASED, country: 'GB' });
        expect({ ...now, customer: null, shippingAddress: null, billingAddress: null }).toEqual({
          ...was,
          customer: null,
          shippingAddress: null,
          billingAddress: null,
        });
      }
      const asOf = (
        await reader.eventStore.readStream(first.id, { asOf: new Date(Date.now() + 1000) })
      )._unsafeUnwrap();
      expect(JSON.stringify(asOf.events)).not.toContain(email);
      const global = await readAllOf(reader.eventStore, second.id);
      expect(JSON.stringify(global)).not.toContain(email);
    }
    // the other customer is untouched
    const kept = stateFromEvents(
      (await store.eventStore.readStream(other.id))._unsafeUnwrap().events,
    );
    expect(isOrder(kept) && kept.customer.email).toBe('keep.me@example.com');

    // read model: listing by the e-mail finds nothing; status, totals, version stay
    const listed = (
      await store.queries.listOrders({ customerEmail: email, limit: 10 })
    )._unsafeUnwrap();
    expect(listed.data).toEqual([]);
    const row = await db.pool.query(
      'SELECT customer_email, customer_email_as_given, status, version, order_total FROM oms_orders WHERE id = $1',
      [first.id],
    );
    expect(row.rows[0]).toMatchObject({
      customer_email: ERASED,
      customer_email_as_given: null,
      status: 'CONFIRMED',
      version: first.version,
    });
    expect(row.rows[0].order_total).toBe(first.orderTotal.amount);

    // one order.personal_data_erased per order, in a stream of its own
    for (const orderId of [first.id, second.id]) {
      const privacy = (await store.eventStore.readStream(privacyStreamId(orderId)))._unsafeUnwrap();
      expect(
        privacy.events.map((event) => [event.type, (event.data as { orderId: string }).orderId]),
      ).toEqual([['order.personal_data_erased', orderId]]);
    }

    // a rebuild keeps the erasure and the other customers' e-mails
    await rebuildReadModels(db.pool, { cipher: store.cipher });
    expect(
      (await store.queries.listOrders({ customerEmail: email, limit: 10 }))._unsafeUnwrap().data,
    ).toEqual([]);
    const keptRow = await db.pool.query('SELECT customer_email FROM oms_orders WHERE id = $1', [
      other.id,
    ]);
    expect(keptRow.rows[0].customer_email).toBe('keep.me@example.com');

    // a new order of the same customer after the erasure is new data under a new key
    const again = await placeOrder(store.eventStore, email, false);
    const state = stateFromEvents(
      (await store.eventStore.readStream(again.id))._unsafeUnwrap().events,
    );
    expect(isOrder(state) && state.customer.email).toBe(email);
  });

  it('erasure rewrites events stored before encryption, and drops raw Shopify payloads naming the customer', async () => {
    const email = 'Legacy.Erase@example.com';
    const plainStore = createPgOrderStore({ pool: db.pool });
    const view = await placeOrder(plainStore.eventStore, email);
    await plainStore.shopifyInbox.record({
      topic: 'orders/create',
      outcome: 'parked',
      reason: 'test',
      shopifyOrderId: 'shop-1',
      payload: new TextEncoder().encode(JSON.stringify({ id: 1, email })),
    });
    expect(await rawData(view.id)).toContain(email);
    expect(await eraseCustomer(db.pool, email.toLowerCase(), { cipher: store.cipher })).toEqual({
      orders: 1,
      erasedNow: 1,
    });
    const raw = await rawData(view.id);
    expect(raw).not.toContain(email);
    expect(raw).not.toContain('Secret Lane');
    const payloads = await db.pool.query(
      "SELECT payload FROM oms_shopify_deliveries WHERE shopify_order_id = 'shop-1'",
    );
    expect(payloads.rows).toEqual([{ payload: null }]);
    const state = stateFromEvents(
      (await store.eventStore.readStream(view.id))._unsafeUnwrap().events,
    );
    expect(isOrder(state) && [state.status, state.version]).toEqual(['CONFIRMED', 3]);
  });
});
