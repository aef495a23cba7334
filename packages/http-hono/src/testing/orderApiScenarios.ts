import {
  type EventStore,
  type IdempotencyStore,
  ORDER_INPUT_SCHEMAS,
  type OrderQueries,
  requestFingerprint,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppOptions, createApp, type OrderApp } from '../createApp.js';
import { signShopifyBody } from '../shopify/signature.js';
import {
  type AnyApp,
  type ApiResponse,
  type CallOptions,
  call,
  createTestClock,
} from './apiClient.js';
import { checkResponsesAgainstOpenApi } from './openApiResponses.js';

export interface StoreUnderTest {
  readonly eventStore: EventStore;
  readonly idempotency: IdempotencyStore;
  readonly queries: OrderQueries;
  readonly teardown?: () => Promise<void>;
}

const silent = pino({ level: 'silent' });
let unique = 0;
/** An e-mail no other test uses, so listing filters see only this test's orders on a shared database. */
const uniqueEmail = () => {
  unique += 1;
  return `buyer-${Date.now().toString(36)}-${unique}@example.com`;
};

const seed = (overrides: Record<string, unknown> = {}) => ({
  ...orderFixtures.seedCreateOrderBody(),
  ...overrides,
});

const line = (sku: string, quantity: number, amount: string, currencyCode = 'USD') => ({
  sku,
  productName: `Product ${sku}`,
  quantity,
  unitPrice: { amount, currencyCode },
});

const shopifyOrder = (id: number, overrides: Record<string, unknown> = {}) => ({
  id,
  name: `#${id}`,
  email: 'shopper@example.com',
  currency: 'EUR',
  created_at: '2026-01-15T10:00:00+01:00',
  customer: { first_name: 'Grace', last_name: 'Hopper', email: 'grace@example.com' },
  shipping_address: {
    first_name: 'Grace',
    last_name: 'Hopper',
    address1: '1 Compiler Way',
    address2: 'Floor 2',
    city: 'Arlington',
    province_code: 'VA',
    zip: '22201',
    country_code: 'US',
  },
  line_items: [
    { sku: 'COBOL-1', title: 'COBOL Manual', quantity: 2, price: '19.95', variant_id: 11 },
    { sku: '', title: 'Nanosecond wire', quantity: 1, price: '0.50', variant_id: 42 },
  ],
  ...overrides,
});

/**
 * The HTTP scenarios of spec §4, run against any store: the in-memory one in unit tests, PostgreSQL in
 * integration tests.
 */
export const orderApiScenarios = (name: string, setup: () => Promise<StoreUnderTest>): void => {
  describe(name, () => {
    let store: StoreUnderTest;
    const clock = createTestClock();
    const apps = new Map<string, OrderApp>();
    const appWith = (options: AppOptions = {}): OrderApp => {
      const key = JSON.stringify(options);
      let app = apps.get(key);
      if (!app) {
        app = createApp(
          {
            eventStore: store.eventStore,
            idempotency: store.idempotency,
            queries: store.queries,
            clock,
          },
          { logger: silent, ...options },
        );
        // Every response of these scenarios must be what /openapi.json says it is.
        checkResponsesAgainstOpenApi(app);
        apps.set(key, app);
      }
      return app;
    };
    const api = (method: string, path: string, options?: CallOptions, app: AnyApp = appWith()) =>
      call(app, method, path, options);
    const create = async (body: unknown = seed()): Promise<ApiResponse> => {
      const response = await api('POST', '/v1/orders', { body });
      expect(response.status, response.text).toBe(201);
      return response;
    };
    const events = async (orderId: string) =>
      (await api('GET', `/v1/orders/${orderId}/events`)).json;

    beforeAll(async () => {
      store = await setup();
    });
    afterAll(async () => {
      await store?.teardown?.();
    });

    describe('the seed example, verbatim', () => {
      it('creates a DRAFT (201, Location, ETag) and confirms it with no body (200 CONFIRMED)', async () => {
        const created = await api('POST', '/v1/orders', {
          body: orderFixtures.seedCreateOrderBody(),
        });
        expect(created.status).toBe(201);
        expect(created.json.status).toBe('DRAFT');
        expect(created.json.orderTotal).toEqual({ amount: '59.98', currencyCode: 'USD' });
        expect(created.json.customer).toEqual(orderFixtures.seedCreateOrderBody().customer);
        expect(created.json.shippingAddress.street).toBe('12 Analytical Row');
        expect(created.json.billingAddress).toEqual(created.json.shippingAddress);
        expect(created.headers.get('Location')).toBe(`/v1/orders/${created.json.id}`);
        expect(created.headers.get('ETag')).toBe('"1"');
        expect(created.headers.get('X-Request-Id')).toBeTruthy();

        const confirmed = await api('POST', `/v1/orders/${created.json.id}/confirm`);
        expect(confirmed.status).toBe(200);
        expect(confirmed.json.status).toBe('CONFIRMED');
        expect(confirmed.json.confirmedAt).toBeTruthy();
        expect(confirmed.headers.get('ETag')).toBe('"2"');

        const read = await api('GET', `/v1/orders/${created.json.id}`);
        expect(read.status).toBe(200);
        expect(read.json.status).toBe('CONFIRMED');
        expect(read.json.version).toBe(2);
        expect(read.headers.get('ETag')).toBe('"2"');
      });

      it('accepts the older field names and answers with the canonical ones', async () => {
        const created = await create({
          customer: { name: 'Ada King Lovelace', email: 'ada@example.com' },
          shippingAddress: {
            line1: '12 Analytical Row',
            line2: 'Flat 1',
            city: 'London',
            stateOrRegion: 'LDN',
            postalCode: 'N1 9GU',
            countryCode: 'gb',
          },
          lines: [line('A', 3, '10', 'USD')],
        });
        expect(created.json.customer).toMatchObject({
          firstName: 'Ada King',
          lastName: 'Lovelace',
        });
        expect(created.json.shippingAddress).toEqual({
          street: '12 Analytical Row',
          street2: 'Flat 1',
          city: 'London',
          state: 'LDN',
          postalCode: 'N1 9GU',
          country: 'GB',
        });
        expect(created.json.orderTotal.amount).toBe('30.00');
      });
    });

    describe('reads', () => {
      it('GET /v1/orders/{id}/lines and /events (oldest first, with metadata)', async () => {
        const created = await create();
        const id = created.json.id;
        await api('POST', `/v1/orders/${id}/confirm`, {
          headers: { 'X-Correlation-Id': 'corr-42' },
        });
        const lines = await api('GET', `/v1/orders/${id}/lines`);
        expect(lines.status).toBe(200);
        expect(lines.json).toHaveLength(1);
        expect(lines.json[0]).toMatchObject({ sku: 'SKU-001', quantity: 2 });
        expect(lines.json[0].lineTotal).toEqual({ amount: '59.98', currencyCode: 'USD' });

        const history = await api('GET', `/v1/orders/${id}/events`);
        expect(history.status).toBe(200);
        expect(history.json.map((event: { type: string }) => event.type)).toEqual([
          'order.created',
          'order.confirmed',
        ]);
        expect(history.json.map((event: { streamVersion: number }) => event.streamVersion)).toEqual(
          [1, 2],
        );
        expect(history.json[0].metadata.actor).toBe('anonymous');
        expect(history.json[1].metadata.correlationId).toBe('corr-42');
      });

      it('unknown or malformed order ids are 404 order-not-found on every order route', async () => {
        const unknown = '01900000-0000-7000-8000-000000000000';
        for (const path of [
          `/v1/orders/${unknown}`,
          `/v1/orders/${unknown}/lines`,
          `/v1/orders/${unknown}/events`,
          '/v1/orders/not-a-uuid',
          '/v1/orders/not-a-uuid/events',
        ]) {
          const response = await api('GET', path);
          expect(response.status, path).toBe(404);
          expect(response.json.code).toBe('order-not-found');
          expect(response.headers.get('Content-Type')).toContain('application/problem+json');
        }
        const confirm = await api('POST', `/v1/orders/${unknown}/confirm`);
        expect(confirm.status).toBe(404);
        expect(confirm.json.code).toBe('order-not-found');
      });

      it('?asOf= answers the order as it was at that time', async () => {
        const created = await create();
        const id = created.json.id;
        const afterCreate = clock.now().toISOString();
        clock.advance(60_000);
        await api('POST', `/v1/orders/${id}/confirm`);
        const past = await api('GET', `/v1/orders/${id}?asOf=${encodeURIComponent(afterCreate)}`);
        expect(past.status).toBe(200);
        expect(past.json.status).toBe('DRAFT');
        expect(past.json.version).toBe(1);
        expect(past.headers.get('ETag')).toBe('"1"');

        const now = await api(
          'GET',
          `/v1/orders/${id}?asOf=${encodeURIComponent(clock.now().toISOString())}`,
        );
        expect(now.json.status).toBe('CONFIRMED');

        const before = await api('GET', `/v1/orders/${id}?asOf=2000-01-01T00:00:00Z`);
        expect(before.status).toBe(404);
        expect(before.json.code).toBe('order-not-found');

        const bad = await api('GET', `/v1/orders/${id}?asOf=yesterday`);
        expect(bad.status).toBe(422);
        expect(bad.json.code).toBe('validation-failed');
        expect(bad.json.errors[0].path).toBe('query.asOf');
      });

      it('If-None-Match with the current ETag answers 304', async () => {
        const created = await create();
        const response = await api('GET', `/v1/orders/${created.json.id}`, {
          headers: { 'If-None-Match': '"1"' },
        });
        expect(response.status).toBe(304);
        expect(response.text).toBe('');
      });
    });

    describe('listing', () => {
      it('filters by status (repeatable), channel and customerEmail, newest first, with a keyset cursor', async () => {
        const email = uniqueEmail();
        const ids: string[] = [];
        for (let index = 0; index < 5; index += 1) {
          clock.advance(1_000);
          const created = await create(
            seed({
              customer: { firstName: 'Lin', lastName: 'Ear', email },
              channel: index % 2 === 0 ? 'B2B' : 'MARKETPLACE',
            }),
          );
          ids.push(created.json.id);
        }
        await api('POST', `/v1/orders/${ids[0]}/confirm`);
        await api('POST', `/v1/orders/${ids[1]}/cancel`, { body: { reason: 'changed mind' } });

        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const query: string = `customerEmail=${encodeURIComponent(email)}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
          const page = await api('GET', `/v1/orders?${query}`);
          expect(page.status, page.text).toBe(200);
          expect(page.json.data.length).toBeLessThanOrEqual(2);
          seen.push(...page.json.data.map((row: { id: string }) => row.id));
          cursor = page.json.pagination.nextCursor;
          expect(page.json.pagination.hasMore).toBe(cursor !== null);
          pages += 1;
        } while (cursor && pages < 10);
        expect(pages).toBe(3);
        expect(seen).toEqual([...ids].reverse());

        const drafts = await api(
          'GET',
          `/v1/orders?customerEmail=${encodeURIComponent(email)}&status=CONFIRMED&status=CANCELLED`,
        );
        expect(drafts.json.data.map((row: { id: string }) => row.id).sort()).toEqual(
          [ids[0], ids[1]].sort(),
        );
        const third = (await api('GET', `/v1/orders/${ids[2]}`)).json.createdAt;
        const fourth = (await api('GET', `/v1/orders/${ids[3]}`)).json.createdAt;
        const window = await api(
          'GET',
          `/v1/orders?customerEmail=${encodeURIComponent(email)}&createdFrom=${encodeURIComponent(third)}&createdTo=${encodeURIComponent(fourth)}`,
        );
        expect(window.status).toBe(200);
        expect(window.json.data.map((row: { id: string }) => row.id)).toEqual([ids[2]]);
        const b2b = await api(
          'GET',
          `/v1/orders?customerEmail=${encodeURIComponent(email)}&channel=B2B`,
        );
        expect(b2b.json.data).toHaveLength(3);
        expect(b2b.json.data[0]).toMatchObject({
          customerEmail: email,
          orderTotal: { amount: '59.98', currencyCode: 'USD' },
          lineCount: 1,
        });
      });

      it('times and cursors outside what a store can hold are 422 and 400, never a 5xx', async () => {
        for (const query of [
          'createdFrom=0000-01-01T00:00:00Z',
          'createdTo=9999-12-31T23:59:59-23:59',
          'createdFrom=0001-01-01T00:00:00%2B00:01',
        ]) {
          const response = await api('GET', `/v1/orders?${query}`);
          expect(response.status, query).toBe(422);
        }
        const id = '01a21395-34f1-7620-99ec-eb95c65726c7';
        for (const createdAt of ['20000', '275760-09-13', '0000-01-01T00:00:00.000Z']) {
          const cursor = Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
          const response = await api('GET', `/v1/orders?cursor=${cursor}`);
          expect(response.status, createdAt).toBe(400);
          expect(response.json.code).toBe('invalid-cursor');
        }
        const order = (await create()).json;
        await api('POST', `/v1/orders/${order.id}/confirm`);
        const ship = await api('POST', `/v1/orders/${order.id}/ship`, {
          body: { shippedAt: '0000-01-01T00:00:00Z' },
        });
        expect(ship.status).toBe(422);
        const surrogate = await api('POST', '/v1/orders', {
          // JSON.stringify writes the lone surrogate as the escape \ud800, as a client would send it.
          body: JSON.stringify(seed({ customer: { ...seed().customer, firstName: 'A\ud800' } })),
          headers: { 'Content-Type': 'application/json' },
        });
        expect(surrogate.status).toBe(422);
        expect(surrogate.json.errors).toContainEqual({
          path: 'customer.firstName',
          message: 'must be valid Unicode (no lone UTF-16 surrogates)',
        });
      });

      it('a bad query is 422 naming every parameter; a bad cursor is 400 invalid-cursor', async () => {
        const bad = await api('GET', '/v1/orders?limit=0&status=NOPE&createdFrom=tuesday');
        expect(bad.status).toBe(422);
        expect(bad.json.code).toBe('validation-failed');
        const paths = bad.json.errors.map((error: { path: string }) => error.path);
        expect(paths).toEqual(
          expect.arrayContaining(['query.limit', 'query.status.0', 'query.createdFrom']),
        );
        expect((await api('GET', '/v1/orders?limit=101')).status).toBe(422);
        const cursor = await api('GET', '/v1/orders?cursor=definitely-not-a-cursor');
        expect(cursor.status).toBe(400);
        expect(cursor.json.code).toBe('invalid-cursor');
      });
    });

    describe('draft edits', () => {
      it('adds a line, changes a quantity, replaces the address and removes a line', async () => {
        const created = await create();
        const id = created.json.id;
        const added = await api('POST', `/v1/orders/${id}/lines`, {
          body: line('SKU-002', 3, '0.125'),
        });
        expect(added.status, added.text).toBe(200);
        expect(added.json.lines).toHaveLength(2);
        expect(added.json.orderTotal.amount).toBe('60.355');
        const newLine = added.json.lines[1].lineId;

        const changed = await api('PATCH', `/v1/orders/${id}/lines/${newLine}`, {
          body: { quantity: 8 },
        });
        expect(changed.status).toBe(200);
        expect(changed.json.lines[1].quantity).toBe(8);
        expect(changed.json.orderTotal.amount).toBe('60.98');

        const moved = await api('PUT', `/v1/orders/${id}/shipping-address`, {
          body: { street: '1 New St', city: 'Paris', postalCode: '75001', country: 'FR' },
        });
        expect(moved.status).toBe(200);
        expect(moved.json.shippingAddress.country).toBe('FR');

        const removed = await api('DELETE', `/v1/orders/${id}/lines/${newLine}`);
        expect(removed.status).toBe(200);
        expect(removed.json.lines).toHaveLength(1);
        expect(removed.json.version).toBe(5);
        expect(removed.headers.get('ETag')).toBe('"5"');

        const last = await api('DELETE', `/v1/orders/${id}/lines/${removed.json.lines[0].lineId}`);
        expect(last.status).toBe(409);
        expect(last.json.code).toBe('last-line');

        const missing = await api(
          'PATCH',
          `/v1/orders/${id}/lines/01900000-0000-7000-8000-000000000001`,
          { body: { quantity: 1 } },
        );
        expect(missing.status).toBe(404);
        expect(missing.json.code).toBe('line-not-found');
        expect((await events(id)).length).toBe(5);
      });

      it('editing after confirmation is 409 order-not-editable', async () => {
        const created = await create();
        const id = created.json.id;
        await api('POST', `/v1/orders/${id}/confirm`);
        const response = await api('POST', `/v1/orders/${id}/lines`, { body: line('X', 1, '1') });
        expect(response.status).toBe(409);
        expect(response.json.code).toBe('order-not-editable');
        expect(response.json.currentStatus).toBe('CONFIRMED');
        const address = await api('PUT', `/v1/orders/${id}/shipping-address`, {
          body: { street: '1 New St', city: 'Paris', postalCode: '75001', country: 'FR' },
        });
        expect(address.status).toBe(409);
        expect(address.json.code).toBe('order-not-editable');
      });
    });

    describe('lifecycle', () => {
      it('confirm → ship some → ship the rest → deliver → complete; then nothing', async () => {
        const created = await create(seed({ lines: [line('A', 2, '5'), line('B', 1, '7')] }));
        const id = created.json.id;
        const [a, b] = created.json.lines.map((row: { lineId: string }) => row.lineId);
        expect((await api('POST', `/v1/orders/${id}/confirm`, { body: {} })).status).toBe(200);

        const partial = await api('POST', `/v1/orders/${id}/ship`, {
          body: {
            shipmentId: 'S1',
            carrier: 'DHL',
            trackingNumber: 'T1',
            lines: [{ lineId: a, quantity: 1 }],
          },
        });
        expect(partial.status, partial.text).toBe(200);
        expect(partial.json.status).toBe('PARTIALLY_SHIPPED');

        const again = await api('POST', `/v1/orders/${id}/ship`, {
          body: {
            shipmentId: 'S1',
            carrier: 'DHL',
            trackingNumber: 'T1',
            lines: [{ lineId: a, quantity: 1 }],
          },
        });
        expect(again.status).toBe(200);
        expect(again.json.version).toBe(partial.json.version);

        const over = await api('POST', `/v1/orders/${id}/ship`, {
          body: { lines: [{ lineId: b, quantity: 5 }] },
        });
        expect(over.status).toBe(409);
        expect(over.json.code).toBe('over-shipment');

        const rest = await api('POST', `/v1/orders/${id}/ship`);
        expect(rest.status).toBe(200);
        expect(rest.json.status).toBe('SHIPPED');
        expect(rest.json.shipments).toHaveLength(2);

        const delivered = await api('POST', `/v1/orders/${id}/deliver`);
        expect(delivered.status).toBe(200);
        expect(delivered.json.status).toBe('DELIVERED');
        const completed = await api('POST', `/v1/orders/${id}/complete`);
        expect(completed.status).toBe(200);
        expect(completed.json.status).toBe('COMPLETED');

        const cancel = await api('POST', `/v1/orders/${id}/cancel`, { body: { reason: 'late' } });
        expect(cancel.status).toBe(409);
        expect(cancel.json.code).toBe('invalid-state-transition');
        expect(cancel.json.currentStatus).toBe('COMPLETED');
        expect((await events(id)).length).toBe(completed.json.version);
      });

      it('mark-unfulfillable and cancel, with their reasons', async () => {
        const first = await create();
        await api('POST', `/v1/orders/${first.json.id}/confirm`);
        const marked = await api('POST', `/v1/orders/${first.json.id}/mark-unfulfillable`, {
          body: { reason: 'out of stock' },
        });
        expect(marked.status).toBe(200);
        expect(marked.json.status).toBe('UNFULFILLABLE');
        expect(marked.json.unfulfillableReason).toBe('out of stock');

        const second = await create();
        const noReason = await api('POST', `/v1/orders/${second.json.id}/cancel`);
        expect(noReason.status).toBe(422);
        expect(noReason.json.errors.map((error: { path: string }) => error.path)).toEqual([
          'reason',
        ]);
        const cancelled = await api('POST', `/v1/orders/${second.json.id}/cancel`, {
          body: { reason: 'customer asked' },
        });
        expect(cancelled.status).toBe(200);
        expect(cancelled.json.status).toBe('CANCELLED');
        expect(cancelled.json.cancellationReason).toBe('customer asked');
        const unfulfillable = await api('POST', `/v1/orders/${second.json.id}/mark-unfulfillable`, {
          body: { reason: 'x' },
        });
        expect(unfulfillable.status).toBe(409);
        expect(unfulfillable.json.code).toBe('invalid-state-transition');
      });
    });

    describe('bad input', () => {
      it('lists every invalid field at once, with its path', async () => {
        const response = await api('POST', '/v1/orders', {
          body: {
            channel: 'PIGEON',
            customer: { firstName: '', email: 'not-an-email' },
            shippingAddress: { street: '1 Road', city: 'X', postalCode: '1', country: 'XX' },
            lines: [
              {
                sku: 'A',
                productName: 'A',
                quantity: 0,
                unitPrice: { amount: '-1', currencyCode: 'USD' },
              },
            ],
          },
        });
        expect(response.status).toBe(422);
        expect(response.json).toMatchObject({
          type: expect.stringContaining('validation-failed'),
          title: expect.any(String),
          status: 422,
          code: 'validation-failed',
          instance: '/v1/orders',
        });
        const paths = response.json.errors.map((error: { path: string }) => error.path);
        expect(paths).toEqual(
          expect.arrayContaining([
            'channel',
            'customer.firstName',
            'customer.lastName',
            'customer.email',
            'shippingAddress.country',
            'lines.0.quantity',
            'lines.0.unitPrice.amount',
          ]),
        );
      });

      it('no lines, mixed currencies, bad money and bad country are 422', async () => {
        const noLines = await api('POST', '/v1/orders', { body: seed({ lines: [] }) });
        expect(noLines.status).toBe(422);
        expect(noLines.json.errors[0].path).toBe('lines');
        const mixed = await api('POST', '/v1/orders', {
          body: seed({ lines: [line('A', 1, '1', 'USD'), line('B', 1, '1', 'EUR')] }),
        });
        expect(mixed.status).toBe(422);
        expect(mixed.json.code).toBe('mixed-currencies');
        const money = await api('POST', '/v1/orders', {
          body: seed({ lines: [line('A', 1, '1.23456')] }),
        });
        expect(money.status).toBe(422);
        const country = await api('POST', '/v1/orders', {
          body: seed({
            shippingAddress: { street: 'a', city: 'b', postalCode: 'c', country: 'ZZ' },
          }),
        });
        expect(country.status).toBe(422);
        expect(country.json.errors[0].path).toBe('shippingAddress.country');
      });

      it('malformed JSON is 400, a non-JSON content type 415, a body over 1 MiB 413', async () => {
        const malformed = await api('POST', '/v1/orders', {
          body: '{"customer": ',
          headers: { 'Content-Type': 'application/json' },
        });
        expect(malformed.status).toBe(400);
        expect(malformed.json.code).toBe('malformed-json');

        const text = await api('POST', '/v1/orders', {
          body: 'customer=ada',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        });
        expect(text.status).toBe(415);
        expect(text.json.code).toBe('unsupported-media-type');

        const big = JSON.stringify({ ...seed(), padding: 'x'.repeat(1024 * 1024) });
        const tooLarge = await api('POST', '/v1/orders', {
          body: big,
          headers: { 'Content-Type': 'application/json', 'Content-Length': String(big.length) },
        });
        expect(tooLarge.status).toBe(413);
        expect(tooLarge.json.code).toBe('payload-too-large');
      });
    });

    describe('concurrency', () => {
      it('a stale If-Match is 412 concurrency-conflict; the current one succeeds', async () => {
        const created = await create();
        const id = created.json.id;
        await api('POST', `/v1/orders/${id}/lines`, { body: line('B', 1, '1') });
        const stale = await api('POST', `/v1/orders/${id}/confirm`, {
          headers: { 'If-Match': '"1"' },
        });
        expect(stale.status).toBe(412);
        expect(stale.json.code).toBe('concurrency-conflict');
        const garbage = await api('POST', `/v1/orders/${id}/confirm`, {
          headers: { 'If-Match': 'banana' },
        });
        // RFC 9110: a malformed precondition is a bad request, not a stale version.
        expect(garbage.status).toBe(400);
        expect(garbage.json.code).toBe('malformed-header');
        const current = await api('POST', `/v1/orders/${id}/confirm`, {
          headers: { 'If-Match': '"2"' },
        });
        expect(current.status).toBe(200);
        expect(current.headers.get('ETag')).toBe('"3"');
      });

      it('10 concurrent confirms: one winner, nine 409, history length = version', async () => {
        const created = await create();
        const id = created.json.id;
        const responses = await Promise.all(
          Array.from({ length: 10 }, () => api('POST', `/v1/orders/${id}/confirm`)),
        );
        const statuses = responses.map((response) => response.status).sort();
        expect(statuses).toEqual([200, ...Array(9).fill(409)]);
        for (const response of responses.filter((r) => r.status === 409))
          expect(response.json.code).toBe('invalid-state-transition');
        const order = await api('GET', `/v1/orders/${id}`);
        expect(order.json.version).toBe(2);
        expect((await events(id)).length).toBe(order.json.version);
      });

      it('10 concurrent cancels: one winner, nine 409', async () => {
        const created = await create();
        const id = created.json.id;
        const responses = await Promise.all(
          Array.from({ length: 10 }, (_, index) =>
            api('POST', `/v1/orders/${id}/cancel`, { body: { reason: `reason ${index}` } }),
          ),
        );
        expect(responses.map((response) => response.status).sort()).toEqual([
          200,
          ...Array(9).fill(409),
        ]);
        expect((await events(id)).length).toBe(2);
      });

      it('10 concurrent confirms and cancels: never a lost update or a 5xx; history length = version', async () => {
        const created = await create();
        const id = created.json.id;
        const responses = await Promise.all(
          Array.from({ length: 10 }, (_, index) =>
            index % 2 === 0
              ? api('POST', `/v1/orders/${id}/confirm`)
              : api('POST', `/v1/orders/${id}/cancel`, { body: { reason: 'race' } }),
          ),
        );
        for (const response of responses) expect([200, 409]).toContain(response.status);
        const winners = responses.filter((response) => response.status === 200).length;
        const order = await api('GET', `/v1/orders/${id}`);
        const history = await events(id);
        expect(order.json.status).toBe('CANCELLED');
        expect(history.length).toBe(order.json.version);
        // Either a cancel won outright, or a confirm won and then one cancel (CONFIRMED → CANCELLED).
        expect(history.length).toBe(1 + winners);
        expect(winners === 1 || winners === 2).toBe(true);
      });
    });

    describe('Idempotency-Key', () => {
      it('replays the first response (a create as 200) with Idempotent-Replayed: true', async () => {
        const key = `create-${uniqueEmail()}`;
        const body = seed();
        const first = await api('POST', '/v1/orders', {
          body,
          headers: { 'Idempotency-Key': key },
        });
        expect(first.status).toBe(201);
        expect(first.headers.get('Idempotent-Replayed')).toBeNull();
        const reordered = Object.fromEntries(Object.entries(body).reverse());
        const second = await api('POST', '/v1/orders', {
          body: reordered,
          headers: { 'Idempotency-Key': key },
        });
        expect(second.status).toBe(200);
        expect(second.headers.get('Idempotent-Replayed')).toBe('true');
        expect(second.json).toEqual(first.json);
        expect(second.headers.get('ETag')).toBe('"1"');
        expect(second.headers.get('Location')).toBe(first.headers.get('Location'));

        const history = await events(first.json.id);
        expect(history[0].metadata.idempotencyKey).toBe(key);

        const other = await api('POST', '/v1/orders', {
          body: seed({ channel: 'B2B' }),
          headers: { 'Idempotency-Key': key },
        });
        expect(other.status).toBe(422);
        expect(other.json.code).toBe('idempotency-key-reused');
      });

      it('replays a final refusal too, and rejects a malformed key', async () => {
        const created = await create();
        const cancelled = await api('POST', `/v1/orders/${created.json.id}/cancel`, {
          body: { reason: 'changed my mind' },
        });
        expect(cancelled.json.status).toBe('CANCELLED');
        const key = `complete-${uniqueEmail()}`;
        const path = `/v1/orders/${created.json.id}/complete`;
        const first = await api('POST', path, { headers: { 'Idempotency-Key': key } });
        expect(first.status).toBe(409);
        const second = await api('POST', path, { headers: { 'Idempotency-Key': key } });
        expect(second.status).toBe(409);
        expect(second.headers.get('Idempotent-Replayed')).toBe('true');
        expect(second.json).toMatchObject({
          code: 'invalid-state-transition',
          currentStatus: 'CANCELLED',
        });

        const long = await api('POST', `/v1/orders/${created.json.id}/confirm`, {
          headers: { 'Idempotency-Key': 'k'.repeat(256) },
        });
        expect(long.status).toBe(422);
        expect(long.json.errors[0].path).toBe('header.Idempotency-Key');
      });

      it('replays the order as the first request left it, even after later changes', async () => {
        const created = await create();
        const key = `confirm-${uniqueEmail()}`;
        const path = `/v1/orders/${created.json.id}/confirm`;
        const first = await api('POST', path, { headers: { 'Idempotency-Key': key } });
        expect(first.status).toBe(200);
        const shipped = await api('POST', `/v1/orders/${created.json.id}/ship`, { body: {} });
        expect(shipped.json.status).toBe('SHIPPED');
        const replay = await api('POST', path, { headers: { 'Idempotency-Key': key } });
        expect(replay.status).toBe(200);
        expect(replay.headers.get('Idempotent-Replayed')).toBe('true');
        expect(replay.headers.get('ETag')).toBe('"2"');
        expect(replay.json).toEqual(first.json);
      });

      it('does not record a refusal that may apply later: the same key applies once the order moved on', async () => {
        const created = await create();
        const key = `early-complete-${uniqueEmail()}`;
        const path = `/v1/orders/${created.json.id}/confirm`;
        const ship = `/v1/orders/${created.json.id}/ship`;
        const early = await api('POST', ship, { body: {}, headers: { 'Idempotency-Key': key } });
        expect(early.status).toBe(409);
        expect(early.json.code).toBe('invalid-state-transition');
        expect((await api('POST', path)).status).toBe(200);
        const later = await api('POST', ship, { body: {}, headers: { 'Idempotency-Key': key } });
        expect(later.status, later.text).toBe(200);
        expect(later.headers.get('Idempotent-Replayed')).toBeNull();
        expect(later.json.status).toBe('SHIPPED');
      });

      it('a key whose first request is still running is 409 idempotency-key-in-flight', async () => {
        const key = `inflight-${uniqueEmail()}`;
        const body = seed();
        const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse(body);
        const claim = await store.idempotency.claim({
          source: 'http:anonymous',
          key,
          fingerprint: requestFingerprint({ type: 'CreateOrder', input }),
        });
        expect(claim.isOk() && claim.value.kind).toBe('claimed');
        const response = await api('POST', '/v1/orders', {
          body,
          headers: { 'Idempotency-Key': key },
        });
        expect(response.status).toBe(409);
        expect(response.json.code).toBe('idempotency-key-in-flight');
      });

      it('20 concurrent creates with one key make one order', async () => {
        const key = `burst-${uniqueEmail()}`;
        const email = uniqueEmail();
        const body = seed({ customer: { firstName: 'Bur', lastName: 'St', email } });
        const responses = await Promise.all(
          Array.from({ length: 20 }, () =>
            api('POST', '/v1/orders', { body, headers: { 'Idempotency-Key': key } }),
          ),
        );
        const statuses = responses.map((response) => response.status);
        expect(statuses.filter((status) => status === 201)).toHaveLength(1);
        for (const response of responses) {
          expect([200, 201, 409]).toContain(response.status);
          if (response.status === 409) expect(response.json.code).toBe('idempotency-key-in-flight');
          if (response.status === 200)
            expect(response.headers.get('Idempotent-Replayed')).toBe('true');
        }
        const ids = new Set(
          responses.filter((r) => r.status < 300).map((response) => response.json.id),
        );
        expect(ids.size).toBe(1);
        const listed = await api('GET', `/v1/orders?customerEmail=${encodeURIComponent(email)}`);
        expect(listed.json.data).toHaveLength(1);
      });

      it('when the server requires it, a POST without a key is refused', async () => {
        const strict = appWith({ requireIdempotencyKey: true });
        const without = await api('POST', '/v1/orders', { body: seed() }, strict);
        expect(without.status).toBe(422);
        expect(without.json.errors[0].path).toBe('header.Idempotency-Key');
        const withKey = await api(
          'POST',
          '/v1/orders',
          { body: seed(), headers: { 'Idempotency-Key': `strict-${uniqueEmail()}` } },
          strict,
        );
        expect(withKey.status).toBe(201);
      });
    });

    describe('API keys', () => {
      it('scopes Idempotency-Key to the API key: another client with the same key gets its own order', async () => {
        const guarded = appWith({ apiKeys: 'alice:secret-a,bob:secret-b' });
        const key = `shared-${uniqueEmail()}`;
        const as = (token: string, email: string) =>
          api(
            'POST',
            '/v1/orders',
            {
              body: seed({ customer: { ...seed().customer, email } }),
              headers: { Authorization: `Bearer ${token}`, 'Idempotency-Key': key },
            },
            guarded,
          );
        const alice = await as('secret-a', 'alice@example.com');
        const bob = await as('secret-b', 'alice@example.com');
        expect(alice.status).toBe(201);
        expect(bob.status).toBe(201);
        expect(bob.json.id).not.toBe(alice.json.id);
        const aliceAgain = await as('secret-a', 'alice@example.com');
        expect(aliceAgain.status).toBe(200);
        expect(aliceAgain.json.id).toBe(alice.json.id);
      });

      it('guards /v1/orders with bearer keys; the actor is the key id; operations stay open', async () => {
        const guarded = appWith({ apiKeys: 'alice:secret-a, secret-b' });
        const none = await api('GET', '/v1/orders', {}, guarded);
        expect(none.status).toBe(401);
        expect(none.json.code).toBe('unauthorized');
        expect(none.headers.get('WWW-Authenticate')).toContain('Bearer');
        const wrong = await api(
          'POST',
          '/v1/orders',
          { body: seed(), headers: { Authorization: 'Bearer secret-c' } },
          guarded,
        );
        expect(wrong.status).toBe(401);

        const alice = await api(
          'POST',
          '/v1/orders',
          { body: seed(), headers: { Authorization: 'Bearer secret-a' } },
          guarded,
        );
        expect(alice.status).toBe(201);
        const plain = await api(
          'POST',
          `/v1/orders/${alice.json.id}/confirm`,
          { headers: { Authorization: 'Bearer secret-b' } },
          guarded,
        );
        expect(plain.status).toBe(200);
        const history = await api(
          'GET',
          `/v1/orders/${alice.json.id}/events`,
          { headers: { Authorization: 'bearer secret-a' } },
          guarded,
        );
        expect(
          history.json.map((event: { metadata: { actor: string } }) => event.metadata.actor),
        ).toEqual(['alice', 'key-2']);
        const bigAnonymous = await api(
          'POST',
          '/v1/orders',
          {
            body: `{"x":"${'x'.repeat(2 * 1024 * 1024)}"}`,
            headers: { 'Content-Type': 'application/json' },
          },
          guarded,
        );
        expect(bigAnonymous.status).toBe(401);
        for (const path of ['/health', '/ready', '/openapi.json', '/docs'])
          expect((await api('GET', path, {}, guarded)).status, path).toBe(200);
        // Metrics name routes, outcomes and volumes: with keys set they are guarded too.
        const metrics = await api('GET', '/metrics', {}, guarded);
        expect(metrics.status).toBe(401);
        expect(metrics.headers.get('WWW-Authenticate')).toContain('Bearer');
        const withKey = { headers: { Authorization: 'Bearer secret-b' } };
        expect((await api('GET', '/metrics', withKey, guarded)).status).toBe(200);
      });

      it('a key list with no key in it is a start-up error, never an open server', () => {
        for (const apiKeys of [',', ' , ', '', [], {}, [' ']])
          expect(() => appWith({ apiKeys }), JSON.stringify(apiKeys)).toThrow(/no API key/);
      });
    });

    describe('Shopify webhook', () => {
      const secret = 'shpss_test_secret';
      const deliver = (app: OrderApp, topic: string, payload: unknown, signature?: string) => {
        const raw = JSON.stringify(payload);
        return api(
          'POST',
          '/v1/webhooks/shopify',
          {
            body: raw,
            headers: {
              'Content-Type': 'application/json',
              'X-Shopify-Topic': topic,
              'X-Shopify-Hmac-Sha256': signature ?? signShopifyBody(raw, secret),
            },
          },
          app,
        );
      };

      it('is 404 when no secret is configured, 401 on a bad signature', async () => {
        expect((await deliver(appWith(), 'orders/create', shopifyOrder(1))).status).toBe(404);
        const shop = appWith({ shopifySecret: secret, apiKeys: 'k:v' });
        const bad = await deliver(
          shop,
          'orders/create',
          shopifyOrder(1),
          signShopifyBody('{}', secret),
        );
        expect(bad.status).toBe(401);
        expect(bad.json.code).toBe('unauthorized');
        const garbage = await deliver(shop, 'orders/create', shopifyOrder(1), 'not base64!');
        expect(garbage.status).toBe(401);
      });

      it('orders/create maps the order once, however often it is delivered; orders/cancelled cancels it', async () => {
        const shop = appWith({ shopifySecret: secret, apiKeys: 'k:v' });
        const shopifyId = 5_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
        const created = await deliver(shop, 'orders/create', shopifyOrder(shopifyId));
        expect(created.status, created.text).toBe(201);
        expect(created.json).toMatchObject({
          status: 'DRAFT',
          channel: 'ECOMMERCE',
          externalId: String(shopifyId),
          currencyCode: 'EUR',
          orderTotal: { amount: '40.40', currencyCode: 'EUR' },
          customer: { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' },
          shippingAddress: {
            street: '1 Compiler Way',
            street2: 'Floor 2',
            city: 'Arlington',
            state: 'VA',
            postalCode: '22201',
            country: 'US',
          },
        });
        expect(created.json.lines.map((row: { sku: string }) => row.sku)).toEqual([
          'COBOL-1',
          'variant-42',
        ]);
        const again = await deliver(
          shop,
          'orders/create',
          shopifyOrder(shopifyId, { note: 'redelivered' }),
        );
        expect(again.status).toBe(200);
        expect(again.json.id).toBe(created.json.id);
        const history = await events(created.json.id);
        expect(history).toHaveLength(1);
        expect(history[0].metadata).toMatchObject({
          actor: 'shopify',
          idempotencyKey: `shopify-${shopifyId}`,
        });

        const cancelled = await deliver(
          shop,
          'orders/cancelled',
          shopifyOrder(shopifyId, { cancel_reason: 'customer' }),
        );
        expect(cancelled.status, cancelled.text).toBe(200);
        expect(cancelled.json.status).toBe('CANCELLED');
        expect(cancelled.json.cancellationReason).toBe('cancelled in Shopify: customer');
        const twice = await deliver(shop, 'orders/cancelled', shopifyOrder(shopifyId));
        expect(twice.status).toBe(200);
        expect((await events(created.json.id)).length).toBe(2);
      });

      it("a client's Idempotency-Key shopify-<id> never claims the webhook's key, nor replays its order", async () => {
        const shop = appWith({ shopifySecret: secret });
        const shopifyId = 8_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
        const squat = await api(
          'POST',
          '/v1/orders',
          { body: seed(), headers: { 'Idempotency-Key': `shopify-${shopifyId}` } },
          shop,
        );
        expect(squat.status, squat.text).toBe(201);
        const delivered = await deliver(shop, 'orders/create', shopifyOrder(shopifyId));
        expect(delivered.status, delivered.text).toBe(201);
        expect(delivered.json.externalId).toBe(String(shopifyId));
        const redelivered = await deliver(shop, 'orders/create', shopifyOrder(shopifyId));
        expect(redelivered.status).toBe(200);
        expect(redelivered.json.id).toBe(delivered.json.id);

        const laterClient = await api(
          'POST',
          '/v1/orders',
          {
            body: seed(),
            headers: { 'Idempotency-Key': `shopify-${shopifyId}` },
          },
          shop,
        );
        expect(laterClient.status).toBe(200);
        expect(laterClient.json.id).toBe(squat.json.id);
        const cancelKey = await api(
          'POST',
          '/v1/orders',
          { body: seed(), headers: { 'Idempotency-Key': `shopify-cancelled-${shopifyId}` } },
          shop,
        );
        expect(cancelKey.status).toBe(201);
        const cancelled = await deliver(shop, 'orders/cancelled', shopifyOrder(shopifyId));
        expect(cancelled.status, cancelled.text).toBe(200);
        expect(cancelled.json).toMatchObject({ id: delivered.json.id, status: 'CANCELLED' });
      });

      it('a cancel that overtakes its create is not recorded as final: its redelivery cancels the order', async () => {
        const shop = appWith({ shopifySecret: secret });
        const shopifyId = 7_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
        const early = await deliver(shop, 'orders/cancelled', shopifyOrder(shopifyId));
        expect(early.status).toBe(404);
        expect(early.json.code).toBe('order-not-found');
        expect((await deliver(shop, 'orders/create', shopifyOrder(shopifyId))).status).toBe(201);
        const redelivered = await deliver(shop, 'orders/cancelled', shopifyOrder(shopifyId));
        expect(redelivered.status, redelivered.text).toBe(200);
        expect(redelivered.headers.get('Idempotent-Replayed')).toBeNull();
        expect(redelivered.json.status).toBe('CANCELLED');
      });

      it('falls back to the shipping-address names and order e-mail; ignores other topics; parks a bad order', async () => {
        const shop = appWith({ shopifySecret: secret });
        const shopifyId = 6_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
        const fallback = await deliver(
          shop,
          'orders/create',
          shopifyOrder(shopifyId, { customer: undefined }),
        );
        expect(fallback.status, fallback.text).toBe(201);
        expect(fallback.json.customer).toMatchObject({
          firstName: 'Grace',
          lastName: 'Hopper',
          email: 'shopper@example.com',
        });
        const other = await deliver(shop, 'products/update', { id: 1 });
        expect(other.status).toBe(200);
        expect(other.json).toEqual({ outcome: 'ignored', topic: 'products/update' });
        const bad = await deliver(
          shop,
          'orders/create',
          shopifyOrder(shopifyId + 1, { line_items: [] }),
        );
        // Refusing it would make Shopify retry it forever: it is parked with the reason and answered 200.
        expect(bad.status).toBe(200);
        expect(bad.json.outcome).toBe('parked');
        expect(bad.json.reason).toContain('lines');
      });
    });

    describe('operations', () => {
      it('/health, /ready, /metrics', async () => {
        expect((await api('GET', '/health')).json).toEqual({ status: 'ok' });
        expect((await api('GET', '/ready')).status).toBe(200);
        await create();
        const metrics = await api('GET', '/metrics');
        expect(metrics.status).toBe(200);
        expect(metrics.headers.get('Content-Type')).toContain('text/plain');
        expect(metrics.text).toMatch(
          /http_request_duration_seconds_bucket\{le="[\d.]+",method="POST",route="\/v1\/orders",status="201"\}/,
        );
        expect(metrics.text).toMatch(/oms_commands_total\{type="CreateOrder",outcome="ok"\} \d+/);
      });
    });
  });
};
