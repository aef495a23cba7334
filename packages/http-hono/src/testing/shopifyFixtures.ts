import type { OrderApp } from '../createApp.js';
import { signShopifyBody } from '../shopify/signature.js';
import { type ApiResponse, call } from './apiClient.js';

export const SECRET = 'shpss_scenario_secret';
export const SHOPIFY_TEST_ID = '820982911946154508';
let unique = 0;
/** A Shopify id no other test uses (above 2^53 half the time, as real ones may be). */
export const nextShopifyId = (): string => {
  unique += 1;
  return `${9_100_000_000 + Math.floor(Math.random() * 800_000_000) + unique}`;
};

const address = {
  first_name: 'Grace',
  last_name: 'Hopper',
  address1: '1 Compiler Way',
  city: 'Arlington',
  province_code: 'VA',
  zip: '22201',
  country_code: 'US',
};

/** A realistic `orders/create` payload; `id` is written into the raw JSON as a number literal, never rounded. */
export const shopifyOrder = (overrides: Record<string, unknown> = {}) => ({
  name: '#1001',
  email: 'shopper@example.com',
  currency: 'USD',
  created_at: '2026-01-15T10:00:00-05:00',
  customer: { id: 207119551, first_name: 'Grace', last_name: 'Hopper' },
  shipping_address: address,
  billing_address: { ...address, address1: '2 Billing Rd' },
  line_items: [
    {
      id: 466157049,
      sku: 'IPOD-1',
      title: 'IPod Nano',
      quantity: 1,
      price: '199.00',
      variant_id: 808950810,
    },
  ],
  ...overrides,
});

export const rawWithId = (id: string, payload: Record<string, unknown>): string =>
  JSON.stringify({ id: '__SHOPIFY_ID__', ...payload }).replace('"__SHOPIFY_ID__"', id);

/** Delivers a webhook to the app as Shopify does: topic header, HMAC of the raw body (unless given). */
export const shopifyDeliverer =
  (app: () => OrderApp) =>
  (
    topic: string,
    raw: string,
    headers: Record<string, string> | Headers = {},
    query = '',
  ): Promise<ApiResponse> => {
    const all = new Headers(headers);
    all.set('Content-Type', 'application/json');
    all.set('X-Shopify-Topic', topic);
    if (!all.has('X-Shopify-Hmac-Sha256'))
      all.set('X-Shopify-Hmac-Sha256', signShopifyBody(raw, SECRET));
    return call(app(), 'POST', `/v1/webhooks/shopify${query}`, {
      body: raw,
      headers: Object.fromEntries(all.entries()),
    });
  };
