import { orderFixtures } from '@oms/domain/testing';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type OrderApp } from '../createApp.js';
import { signShopifyBody } from '../shopify/signature.js';
import { call } from './apiClient.js';
import type { StoreUnderTest } from './orderApiScenarios.js';

const MiB = 1024 * 1024;
const SHOPIFY_SECRET = 'hostile-secret';

const ROUTES: readonly (readonly [string, (id: string, lineId: string) => string])[] = [
  ['POST', () => '/v1/orders'],
  ['POST', (id) => `/v1/orders/${id}/lines`],
  ['PATCH', (id, line) => `/v1/orders/${id}/lines/${line}`],
  ['DELETE', (id, line) => `/v1/orders/${id}/lines/${line}`],
  ['PUT', (id) => `/v1/orders/${id}/shipping-address`],
  ['POST', (id) => `/v1/orders/${id}/confirm`],
  ['POST', (id) => `/v1/orders/${id}/cancel`],
  ['POST', (id) => `/v1/orders/${id}/ship`],
  ['POST', (id) => `/v1/orders/${id}/deliver`],
  ['POST', (id) => `/v1/orders/${id}/complete`],
  ['POST', (id) => `/v1/orders/${id}/mark-unfulfillable`],
  ['POST', () => '/v1/webhooks/shopify'],
  ['GET', () => '/v1/orders'],
  ['GET', (id) => `/v1/orders/${id}`],
  ['GET', (id) => `/v1/orders/${id}/lines`],
  ['GET', (id) => `/v1/orders/${id}/events`],
];

const HEADER_NAMES = [
  'Content-Type',
  'Idempotency-Key',
  'If-Match',
  'If-None-Match',
  'Authorization',
  'X-Request-Id',
  'X-Correlation-Id',
  'traceparent',
  'X-Shopify-Topic',
  'X-Shopify-Hmac-Sha256',
  'Accept',
  'X-Anything',
];

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 300,
});
const headerValue = fc.oneof(
  printable,
  fc.constantFrom(
    'application/json',
    'text/plain',
    'application/merge-patch+json',
    '"1"',
    '*',
    'W/"2"',
    'Bearer x',
  ),
);
const headers = fc.dictionary(fc.constantFrom(...HEADER_NAMES), headerValue, { maxKeys: 6 });
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }),
  fc.record(
    {
      customer: fc.jsonValue({ maxDepth: 3 }),
      shippingAddress: fc.jsonValue({ maxDepth: 3 }),
      lines: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }),
      quantity: fc.oneof(fc.integer(), fc.double()),
      reason: fc.string(),
      lineId: fc.uuid(),
      metadata: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
    },
    { requiredKeys: [] },
  ),
  fc.constant(orderFixtures.seedCreateOrderBody()),
);
const rawBody = fc.oneof(
  jsonBody.map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.constant(''),
);
const queryString = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'status',
          'channel',
          'customerEmail',
          'createdFrom',
          'createdTo',
          'limit',
          'cursor',
          'asOf',
          '__proto__',
          'x',
        ),
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.constantFrom('DRAFT', '20', '-1', '2026-01-01T00:00:00Z', '%', '%00', '%E0%A4%A'),
        ),
      ),
      { maxLength: 6 },
    )
    .map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join('&')),
);

/** Bad input of every kind never makes the server answer 5xx (spec §4), on any store. */
export const hostileInputScenarios = (
  name: string,
  setup: () => Promise<StoreUnderTest>,
  { runs = 300 }: { runs?: number } = {},
): void => {
  describe(name, () => {
    let store: StoreUnderTest;
    let app: OrderApp;
    let orderId = '';
    let lineId = '';

    beforeAll(async () => {
      store = await setup();
      app = createApp(store, { logger: pino({ level: 'silent' }), shopifySecret: SHOPIFY_SECRET });
      const created = await call(app, 'POST', '/v1/orders', {
        body: orderFixtures.seedCreateOrderBody(),
      });
      expect(created.status).toBe(201);
      orderId = created.json.id;
      lineId = created.json.lines[0].lineId;
    });
    afterAll(async () => {
      await store?.teardown?.();
    });

    const send = async (
      method: string,
      path: string,
      body: string | undefined,
      given: Record<string, string>,
    ) => {
      let request: Request;
      try {
        request = new Request(new URL(path, 'http://localhost'), {
          method,
          headers: given,
          ...(body !== undefined && method !== 'GET' ? { body } : {}),
        });
      } catch {
        return undefined; // the client library refuses to build it: nothing reaches the server
      }
      return app.request(request);
    };

    it('random bodies, headers and query strings never give a 5xx', async () => {
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: ROUTES.length - 1 }),
          fc.boolean(),
          rawBody,
          headers,
          queryString,
          async (routeIndex, realIds, body, given, query) => {
            const [method, path] = ROUTES[routeIndex] ?? ROUTES[0]!;
            const target = realIds
              ? path(orderId, lineId)
              : path('01900000-0000-7000-8000-00000000dead', 'not-a-line');
            const response = await send(method, `${target}?${query}`, body, given);
            if (!response) return;
            await response.arrayBuffer();
            seen.add(response.status);
            expect(response.status, `${method} ${target}?${query}`).toBeLessThan(500);
          },
        ),
        { numRuns: runs },
      );
      // The inputs reached the handlers, not just one early refusal.
      expect([...seen].filter((status) => status >= 400).length).toBeGreaterThanOrEqual(4);
      expect([...seen].some((status) => status < 300)).toBe(true);
    });

    it('signed random Shopify payloads never give a 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(
          jsonBody,
          fc.constantFrom('orders/create', 'orders/cancelled', 'orders/paid', 'orders/updated'),
          fc.option(fc.integer({ min: 1, max: 2 ** 40 })),
          async (payload, topic, id) => {
            const body = JSON.stringify(
              id !== null &&
                payload !== null &&
                typeof payload === 'object' &&
                !Array.isArray(payload)
                ? { ...payload, id }
                : payload,
            );
            const response = await call(app, 'POST', '/v1/webhooks/shopify', {
              body,
              headers: {
                'Content-Type': 'application/json',
                'X-Shopify-Topic': topic,
                'X-Shopify-Hmac-Sha256': signShopifyBody(body, SHOPIFY_SECRET),
              },
            });
            expect(response.status, response.text).toBeLessThan(500);
          },
        ),
        { numRuns: Math.ceil(runs / 3) },
      );
    });

    it('deeply nested JSON is refused or ignored, never a crash', async () => {
      const depth = 200_000;
      const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const seed = JSON.stringify(orderFixtures.seedCreateOrderBody());
      const asExtraField = `${seed.slice(0, -1)},"extra":${nested}}`;
      const inMetadata = `${seed.slice(0, -1)},"metadata":{"a":${nested}}}`;
      const objects = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
      for (const body of [nested, asExtraField, inMetadata, objects]) {
        const response = await call(app, 'POST', '/v1/orders', {
          body,
          headers: { 'Content-Type': 'application/json' },
        });
        expect(response.status).toBeLessThan(500);
        expect([201, 400, 422]).toContain(response.status);
      }
    });

    it('__proto__ keys pollute nothing', async () => {
      const body = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${JSON.stringify(
        orderFixtures.seedCreateOrderBody(),
      ).slice(1, -1)},"metadata":{"__proto__":"x","toString":"y"}}`;
      const response = await call(app, 'POST', '/v1/orders', {
        body,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(response.status).toBeLessThan(500);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
      const list = await call(app, 'GET', '/v1/orders?__proto__=1&constructor=2');
      expect(list.status).toBe(422);
      expect(list.json.errors.map((error: { path: string }) => error.path)).toEqual([
        'query.__proto__',
        'query.constructor',
      ]);
    });

    it('huge numbers are validation problems', async () => {
      const seed = orderFixtures.seedCreateOrderBody();
      for (const [quantity, amount] of [
        ['1e400', '"1"'],
        ['9007199254740993', '"1"'],
        ['2', '1e308'],
        ['2', '"99999999999999999999"'],
        ['-0', '"1"'],
      ] as const) {
        const line = `{"sku":"A","productName":"B","quantity":${quantity},"unitPrice":{"amount":${amount},"currencyCode":"USD"}}`;
        const body = `${JSON.stringify({ ...seed, lines: [] }).replace('"lines":[]', `"lines":[${line}]`)}`;
        const response = await call(app, 'POST', '/v1/orders', {
          body,
          headers: { 'Content-Type': 'application/json' },
        });
        expect(response.status, body).toBe(422);
        expect(response.json.code).toBe('validation-failed');
      }
    });

    it('NUL characters are refused with their paths (body and query), never stored', async () => {
      const seed = orderFixtures.seedCreateOrderBody();
      const response = await call(app, 'POST', '/v1/orders', {
        body: {
          ...seed,
          customer: { ...seed.customer, firstName: 'A\u0000da' },
          lines: [{ ...seed.lines[0], sku: 'SKU\u0000' }],
        },
      });
      expect(response.status).toBe(422);
      expect(response.json.errors.map((error: { path: string }) => error.path)).toEqual([
        'customer.firstName',
        'lines.0.sku',
      ]);
      const raw = await call(app, 'POST', '/v1/orders', {
        body: '{"customer":"\u0000"}',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(raw.status).toBe(400);
      const query = await call(app, 'GET', '/v1/orders?customerEmail=a%00b@example.com');
      expect(query.status).toBe(422);
      const cancel = await call(app, 'POST', `/v1/orders/${orderId}/cancel`, {
        body: { reason: 'why\u0000' },
      });
      expect(cancel.status).toBe(422);
    });

    it('a 2 MiB body is 413, with Content-Length, without it, and streamed in chunks', async () => {
      const big = `{"padding":"${'x'.repeat(2 * MiB)}"}`;
      const declared = await call(app, 'POST', '/v1/orders', {
        body: big,
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(big.length) },
      });
      expect(declared.status).toBe(413);
      const undeclared = await call(app, 'POST', '/v1/orders', {
        body: big,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(undeclared.status).toBe(413);
      const lying = await call(app, 'POST', `/v1/orders/${orderId}/cancel`, {
        body: big,
        headers: { 'Content-Type': 'application/json', 'Content-Length': '10' },
      });
      expect(lying.status).toBe(413);

      let sent = 0;
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      // An endless upload: the server drains a little past the limit (so the 413 reaches the client), then stops.
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          sent += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      const chunked = await app.request(
        new Request('http://localhost/v1/orders', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
          body: stream,
          duplex: 'half',
        } as RequestInit),
      );
      expect(chunked.status).toBe(413);
      expect(((await chunked.json()) as { code: string }).code).toBe('payload-too-large');
      expect(sent).toBeLessThan(5 * MiB);

      const webhook = await call(app, 'POST', '/v1/webhooks/shopify', {
        body: big,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(webhook.status).toBe(413);
    });

    it('a wrong content type is 415 on every body-taking route', async () => {
      for (const [method, path] of ROUTES.filter(
        ([method]) => method !== 'GET' && method !== 'DELETE',
      )) {
        const target = path(orderId, lineId);
        if (target.includes('webhooks')) continue;
        for (const contentType of [
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
        ]) {
          const response = await call(app, method, target, {
            body: '{"reason":"x"}',
            headers: { 'Content-Type': contentType },
          });
          expect(response.status, `${method} ${target} ${contentType}`).toBe(415);
          expect(response.json.code).toBe('unsupported-media-type');
        }
      }
      const noType = await call(app, 'POST', `/v1/orders/${orderId}/cancel`, {
        body: new TextEncoder().encode('{"reason":"x"}'),
      });
      expect(noType.status).toBe(415);
    });
  });
};
