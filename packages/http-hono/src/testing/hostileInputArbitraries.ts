import { orderFixtures } from '@oms/domain/testing';
import fc from 'fast-check';

export const SHOPIFY_SECRET = 'hostile-secret';

export const ROUTES: readonly (readonly [string, (id: string, lineId: string) => string])[] = [
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
export const headers = fc.dictionary(fc.constantFrom(...HEADER_NAMES), headerValue, { maxKeys: 6 });
export const jsonBody = fc.oneof(
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
export const rawBody = fc.oneof(
  jsonBody.map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.constant(''),
);
export const queryString = fc.oneof(
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
