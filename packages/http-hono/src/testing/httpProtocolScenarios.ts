import { orderFixtures } from '@oms/domain/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type OrderApp } from '../createApp.js';
import { type ApiResponse, type CallOptions, call } from './apiClient.js';
import { checkResponsesAgainstOpenApi } from './openApiResponses.js';
import type { StoreUnderTest } from './orderApiScenarios.js';

const line = {
  sku: 'B',
  productName: 'Bolt',
  quantity: 1,
  unitPrice: { amount: '1.00', currencyCode: 'USD' },
};

/**
 * HTTP protocol behaviour of issue #12 on any store: RFC 9110 conditional requests, problem details listing every
 * error, unknown query parameters, 405 with Allow, and the hardening headers.
 */
export const httpProtocolScenarios = (name: string, setup: () => Promise<StoreUnderTest>): void => {
  describe(name, () => {
    let store: StoreUnderTest;
    let app: OrderApp;
    beforeAll(async () => {
      store = await setup();
      app = createApp(store, { logger: pino({ level: 'silent' }) });
      checkResponsesAgainstOpenApi(app);
    });
    afterAll(async () => {
      await store?.teardown?.();
    });
    const api = (method: string, path: string, options?: CallOptions): Promise<ApiResponse> =>
      call(app, method, path, options);
    /** A draft at version 2. */
    const draft = async (): Promise<string> => {
      const created = await api('POST', '/v1/orders', {
        body: orderFixtures.seedCreateOrderBody(),
      });
      expect(created.status).toBe(201);
      const added = await api('POST', `/v1/orders/${created.json.id}/lines`, { body: line });
      expect(added.headers.get('ETag')).toBe('"2"');
      return created.json.id;
    };

    describe('conditional requests (RFC 9110)', () => {
      it('If-Match compares strongly: W/"2" never matches, even the current version', async () => {
        const id = await draft();
        const weak = await api('POST', `/v1/orders/${id}/confirm`, {
          headers: { 'If-Match': 'W/"2"' },
        });
        expect(weak.status).toBe(412);
        expect(weak.json.code).toBe('concurrency-conflict');
        expect((await api('GET', `/v1/orders/${id}`)).json.status).toBe('DRAFT');
      });

      it('If-Match takes a list and *', async () => {
        const id = await draft();
        const listed = await api('POST', `/v1/orders/${id}/confirm`, {
          headers: { 'If-Match': '"0", "2"' },
        });
        expect(listed.status, listed.text).toBe(200);
        expect(listed.headers.get('ETag')).toBe('"3"');
        const stale = await api('POST', `/v1/orders/${id}/cancel`, {
          body: { reason: 'x' },
          headers: { 'If-Match': '"1", "2", W/"3"' },
        });
        expect(stale.status).toBe(412);
        const any = await api('POST', `/v1/orders/${id}/cancel`, {
          body: { reason: 'x' },
          headers: { 'If-Match': '*' },
        });
        expect(any.status).toBe(200);
        expect(any.json.status).toBe('CANCELLED');
      });

      it('a malformed If-Match is 400', async () => {
        const id = await draft();
        for (const header of ['banana', '"2', '2', '"2", banana', 'W/2', '"a"b"']) {
          const response = await api('POST', `/v1/orders/${id}/confirm`, {
            headers: { 'If-Match': header },
          });
          expect(response.status, header).toBe(400);
          expect(response.json.code).toBe('malformed-header');
        }
        expect((await api('GET', `/v1/orders/${id}`)).json.version).toBe(2);
      });

      it('If-None-Match (weak comparison, lists, *) answers 304 on the order, its lines and its events', async () => {
        const id = await draft();
        for (const path of [
          `/v1/orders/${id}`,
          `/v1/orders/${id}/lines`,
          `/v1/orders/${id}/events`,
        ]) {
          const fresh = await api('GET', path);
          expect(fresh.status).toBe(200);
          expect(fresh.headers.get('ETag'), path).toBe('"2"');
          for (const header of ['"2"', 'W/"2"', '"1", "2"', '*']) {
            const cached = await api('GET', path, { headers: { 'If-None-Match': header } });
            expect(cached.status, `${path} ${header}`).toBe(304);
            expect(cached.headers.get('ETag')).toBe('"2"');
          }
          expect((await api('GET', path, { headers: { 'If-None-Match': '"1"' } })).status).toBe(
            200,
          );
        }
      });
    });

    describe('problem details', () => {
      it('list every error at once: body fields, NUL and surrogate fields, and a bad Idempotency-Key', async () => {
        const seed = orderFixtures.seedCreateOrderBody();
        const response = await api('POST', '/v1/orders', {
          body: {
            ...seed,
            customer: {
              ...seed.customer,
              firstName: 'A\u0000da',
              lastName: 'L\uD800',
              email: 'not-an-email',
            },
          },
          headers: { 'Idempotency-Key': 'k'.repeat(300) },
        });
        expect(response.status).toBe(422);
        expect(response.json.code).toBe('validation-failed');
        const paths = response.json.errors.map((error: { path: string }) => error.path);
        expect(paths).toEqual(
          expect.arrayContaining([
            'header.Idempotency-Key',
            'customer.email',
            'customer.firstName',
            'customer.lastName',
          ]),
        );
      });

      it('unknown query parameters are 422, not silently ignored', async () => {
        const id = await draft();
        for (const [method, path] of [
          ['GET', '/v1/orders?colour=red&limit=5'],
          ['GET', `/v1/orders/${id}?expand=lines`],
          ['GET', `/v1/orders/${id}/lines?page=2`],
          ['GET', `/v1/orders/${id}/events?after=1`],
          ['POST', `/v1/orders/${id}/confirm?force=true`],
        ] as const) {
          const response = await api(method, path);
          expect(response.status, path).toBe(422);
          expect(response.json.code).toBe('validation-failed');
          expect(response.json.errors[0].path, path).toMatch(
            /^query\.(colour|expand|page|after|force)$/,
          );
        }
        const both = await api('GET', '/v1/orders?limit=0&colour=red');
        expect(both.json.errors.map((error: { path: string }) => error.path).sort()).toEqual([
          'query.colour',
          'query.limit',
        ]);
        expect((await api('GET', `/v1/orders/${id}`)).json.status).toBe('DRAFT');
      });

      it('a wrong method is 405 with Allow', async () => {
        const id = await draft();
        for (const [method, path, allow] of [
          ['PUT', '/v1/orders', 'GET, HEAD, POST'],
          ['DELETE', `/v1/orders/${id}`, 'GET, HEAD'],
          ['GET', `/v1/orders/${id}/confirm`, 'POST'],
          ['GET', '/v1/webhooks/shopify', 'POST'],
          ['POST', '/health', 'GET, HEAD'],
        ] as const) {
          const response = await api(method, path);
          expect(response.status, `${method} ${path}`).toBe(405);
          expect(response.headers.get('Allow'), `${method} ${path}`).toBe(allow);
          expect(response.json.code).toBe('method-not-allowed');
        }
        expect((await api('GET', '/v1/nothing-here')).status).toBe(404);
      });
    });

    describe('hardening headers', () => {
      it('nosniff everywhere; no-store on customer data and problems; a CSP on /docs', async () => {
        const id = await draft();
        for (const [method, path] of [
          ['GET', '/health'],
          ['GET', `/v1/orders/${id}`],
          ['GET', '/v1/orders'],
          ['GET', `/v1/orders/${id}/events`],
          ['POST', `/v1/orders/${id}/confirm`],
          ['GET', '/v1/orders/not-an-id'],
          ['GET', '/docs'],
        ] as const) {
          const response = await api(method, path);
          expect(response.headers.get('X-Content-Type-Options'), path).toBe('nosniff');
          if (path.startsWith('/v1/'))
            expect(response.headers.get('Cache-Control'), path).toBe('no-store');
        }
        const docs = await api('GET', '/docs');
        const csp = docs.headers.get('Content-Security-Policy') ?? '';
        expect(csp).toContain("default-src 'self'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toMatch(/https?:/);
      });
    });
  });
};
