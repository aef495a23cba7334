import { createInMemoryOrderStore } from '@oms/domain/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../createApp.js';
import { call } from '../testing/apiClient.js';
import { createOpenApiChecker } from '../testing/openApiResponses.js';

const app = createApp(createInMemoryOrderStore(), { logger: pino({ level: 'silent' }) });

/** Every `pattern` in the document, with where it is. */
const patternsOf = (value: unknown, where = '#'): [string, string][] => {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === 'pattern' && typeof child === 'string'
      ? [[`${where}/${key}`, child] as [string, string]]
      : patternsOf(child, `${where}/${key}`),
  );
};

describe('/openapi.json as other tools read it', () => {
  it('every pattern is a flag-free ECMA-262 regex that compiles with the u flag (as ajv compiles it)', async () => {
    const document = (await call(app, 'GET', '/openapi.json')).json;
    const patterns = patternsOf(document);
    expect(patterns.length).toBeGreaterThan(0);
    for (const [where, pattern] of patterns) {
      expect(() => new RegExp(pattern, 'u'), `${where}: ${pattern}`).not.toThrow();
      expect(pattern, where).not.toMatch(/\/[dgimsuyv]+$/);
    }
  });

  it('ajv compiles every schema, and the partial shipment a client sends validates', async () => {
    const document = (await call(app, 'GET', '/openapi.json')).json;
    const { ajv } = createOpenApiChecker(document);
    for (const name of Object.keys(document.components.schemas))
      expect(
        () => ajv.compile({ $ref: `openapi#/components/schemas/${name}` }),
        name,
      ).not.toThrow();
    const ship = ajv.compile({ $ref: 'openapi#/components/schemas/ShipOrderInput' });
    const partial = { lines: [{ lineId: '01936b2e-8f7a-7cc3-9d4e-0123456789ab', quantity: 1 }] };
    expect(ship(partial), ajv.errorsText(ship.errors)).toBe(true);
    expect(ship({ lines: [{ lineId: '01936B2E-8F7A-7CC3-9D4E-0123456789AB', quantity: 1 }] })).toBe(
      true,
    );
    expect(ship({ lines: [{ lineId: 'not-a-uuid', quantity: 1 }] })).toBe(false);
  });

  it('documents 409, 500 and default problems, Location, Idempotent-Replayed, WWW-Authenticate and Retry-After', async () => {
    const { paths } = (await call(app, 'GET', '/openapi.json')).json;
    const create = paths['/v1/orders'].post.responses;
    expect(Object.keys(create)).toEqual(
      expect.arrayContaining(['201', '200', '409', '500', 'default']),
    );
    expect(create['201'].headers.Location.required).toBe(true);
    expect(create['200'].headers['Idempotent-Replayed']).toBeDefined();
    expect(create['401'].headers['WWW-Authenticate']).toBeDefined();
    expect(create['503'].headers['Retry-After'].required).toBe(true);
    expect(create['413'].headers.Connection).toBeDefined();
    const confirm = paths['/v1/orders/{orderId}/confirm'].post;
    expect(Object.keys(confirm.responses)).toEqual(
      expect.arrayContaining(['200', '400', '404', '409', '412', '500', 'default']),
    );
    const ifMatch = confirm.parameters.find((p: { name: string }) => p.name === 'if-match');
    expect(ifMatch.schema.maxLength).toBe(1000);
    const key = confirm.parameters.find((p: { name: string }) => p.name === 'idempotency-key');
    expect(key.schema).toMatchObject({ minLength: 1, maxLength: 255 });
    for (const path of ['/v1/orders/{orderId}/lines', '/v1/orders/{orderId}/events'])
      expect(paths[path].get.responses['304'], path).toBeDefined();
  });
});
