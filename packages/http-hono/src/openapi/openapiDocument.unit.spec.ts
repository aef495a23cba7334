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

  it('documents the body and JSON nesting limits on every request body, with the values the validators enforce', async () => {
    const small = createApp(createInMemoryOrderStore(), {
      logger: pino({ level: 'silent' }),
      bodyLimit: 4096,
      shopifySecret: 'shpss_limits',
    });
    for (const [subject, limit] of [
      [app, 1024 * 1024],
      [small, 4096],
    ] as const) {
      const { paths } = (await call(subject, 'GET', '/openapi.json')).json;
      const bodies = Object.entries(paths).flatMap(([path, item]) =>
        Object.entries(item as Record<string, { requestBody?: Record<string, unknown> }>)
          .filter(([, operation]) => operation.requestBody)
          .map(([method, operation]) => [`${method} ${path}`, operation.requestBody] as const),
      );
      expect(bodies.length).toBeGreaterThanOrEqual(10);
      for (const [where, body] of bodies) {
        expect(body, where).toMatchObject({
          'x-max-body-bytes': limit,
          'x-max-json-depth': 32,
          'x-max-json-containers': 20_000,
        });
        expect(body?.description, where).toContain(`${limit} bytes`);
        expect(body?.description, where).toContain('413');
        expect(body?.description, where).toContain('32 levels');
      }
    }
    // ... and those are the limits enforced: one byte over answers 413, one level deeper 400.
    const json = { 'Content-Type': 'application/json' };
    const post = (subject: typeof app, body: string) =>
      call(subject, 'POST', '/v1/orders', { body, headers: json });
    const over = await post(small, `"${'x'.repeat(4095)}"`);
    expect(over.status).toBe(413);
    const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    expect((await post(small, deep(33))).json.detail).toContain('deeper than 32');
    expect((await post(small, deep(32))).json.code).toBe('validation-failed');
    const containers = `[${'[],'.repeat(20_000)}[]]`;
    const many = await post(app, containers);
    expect(many.status).toBe(400);
    expect(many.json.detail).toContain('20000 arrays and objects');
  });
});
