import { orderFixtures } from '@oms/domain/testing';
import { expect, it } from 'vitest';
import { call } from './apiClient.js';
import type { HostileContext } from './hostileInputContext.js';

/** Malformed JSON content: deep nesting, prototype keys, huge numbers, NUL characters. */
export const payloadScenarios = (context: () => HostileContext): void => {
  it('deeply nested JSON is refused or ignored, never a crash', async () => {
    const { app } = context();
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
    const { app } = context();
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
    const { app } = context();
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
    const { app, orderId } = context();
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
};
