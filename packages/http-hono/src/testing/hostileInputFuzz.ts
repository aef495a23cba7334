import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { OrderApp } from '../createApp.js';
import { signShopifyBody } from '../shopify/signature.js';
import { call } from './apiClient.js';
import {
  headers,
  jsonBody,
  queryString,
  ROUTES,
  rawBody,
  SHOPIFY_SECRET,
} from './hostileInputArbitraries.js';
import type { HostileContext } from './hostileInputContext.js';

const send = async (
  app: OrderApp,
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

/** Random routes, bodies, headers and query strings, and signed random Shopify payloads: never a 5xx. */
export const fuzzScenarios = (context: () => HostileContext, runs: number): void => {
  it('random bodies, headers and query strings never give a 5xx', async () => {
    const { app, orderId, lineId } = context();
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
          const response = await send(app, method, `${target}?${query}`, body, given);
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
    const { app } = context();
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
};
