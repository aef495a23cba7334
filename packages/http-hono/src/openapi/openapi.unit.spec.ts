import { createInMemoryOrderStore } from '@oms/domain/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../createApp.js';
import { call } from '../testing/apiClient.js';

const app = createApp(createInMemoryOrderStore(), { logger: pino({ level: 'silent' }) });

const SPEC_ROUTES = [
  ['post', '/v1/orders'],
  ['get', '/v1/orders'],
  ['get', '/v1/orders/{orderId}'],
  ['get', '/v1/orders/{orderId}/lines'],
  ['get', '/v1/orders/{orderId}/events'],
  ['post', '/v1/orders/{orderId}/lines'],
  ['patch', '/v1/orders/{orderId}/lines/{lineId}'],
  ['delete', '/v1/orders/{orderId}/lines/{lineId}'],
  ['put', '/v1/orders/{orderId}/shipping-address'],
  ['post', '/v1/orders/{orderId}/confirm'],
  ['post', '/v1/orders/{orderId}/cancel'],
  ['post', '/v1/orders/{orderId}/ship'],
  ['post', '/v1/orders/{orderId}/deliver'],
  ['post', '/v1/orders/{orderId}/complete'],
  ['post', '/v1/orders/{orderId}/mark-unfulfillable'],
  ['post', '/v1/webhooks/shopify'],
  ['get', '/health'],
  ['get', '/ready'],
  ['get', '/metrics'],
] as const;

describe('/openapi.json', () => {
  it('is OpenAPI 3.1 with every route of spec §4, schemas referenced from the domain', async () => {
    const response = await call(app, 'GET', '/openapi.json');
    expect(response.status).toBe(200);
    const doc = response.json;
    expect(doc.openapi).toBe('3.1.0');
    for (const [method, path] of SPEC_ROUTES)
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();

    const schemas = Object.keys(doc.components.schemas);
    expect(schemas).toEqual(
      expect.arrayContaining([
        'CreateOrderInput',
        'CustomerInput',
        'AddressInput',
        'LineInput',
        'Order',
        'OrderSummary',
        'OrderLine',
        'Money',
        'Problem',
        'OrderPage',
        'CancelOrderInput',
        'ShipOrderInput',
      ]),
    );
    const create = doc.paths['/v1/orders'].post;
    expect(create.operationId).toBe('createOrder');
    expect(create.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/CreateOrderInput',
    );
    expect(create.responses['201'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/Order',
    );
    expect(create.responses['422'].content['application/problem+json'].schema.$ref).toBe(
      '#/components/schemas/Problem',
    );
    expect(create.parameters.map((p: { name: string }) => p.name)).toContain('idempotency-key');
    const confirm = doc.paths['/v1/orders/{orderId}/confirm'].post;
    expect(confirm.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['orderId', 'idempotency-key', 'if-match']),
    );
    expect(confirm.requestBody.required).toBe(false);

    const list = doc.paths['/v1/orders'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining([
        'status',
        'channel',
        'customerEmail',
        'createdFrom',
        'createdTo',
        'limit',
        'cursor',
      ]),
    );
    expect(
      doc.paths['/v1/orders/{orderId}'].get.parameters.map((p: { name: string }) => p.name),
    ).toContain('asOf');
    expect(doc.components.schemas.Order.required).toEqual(
      expect.arrayContaining(['id', 'status', 'orderTotal', 'version', 'lines']),
    );
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });
});

describe('/docs', () => {
  it('serves Swagger UI from local files only (no CDN)', async () => {
    const page = await call(app, 'GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Type')).toContain('text/html');
    expect(page.text).not.toMatch(/https?:\/\//);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets).toEqual(
      expect.arrayContaining(['docs/swagger-ui.css', 'docs/swagger-ui-bundle.js', 'docs/init.js']),
    );
    for (const asset of assets) {
      const response = await call(app, 'GET', `/${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.text.length).toBeGreaterThan(100);
    }
    const init = await call(app, 'GET', '/docs/init.js');
    expect(init.text).toContain('openapi.json');
    expect((await call(app, 'GET', '/docs/..%2Fpackage.json')).status).toBe(404);
    expect((await call(app, 'GET', '/docs/index.html')).status).toBe(404);
  });
});
