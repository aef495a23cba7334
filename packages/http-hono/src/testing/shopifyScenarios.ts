import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type OrderApp } from '../createApp.js';
import type { ShopifyInbox } from '../shopify/shopifyInbox.js';
import { signShopifyBody } from '../shopify/signature.js';
import { call } from './apiClient.js';
import { checkResponsesAgainstOpenApi } from './openApiResponses.js';
import type { StoreUnderTest } from './orderApiScenarios.js';
import {
  nextShopifyId,
  rawWithId,
  SECRET,
  SHOPIFY_TEST_ID,
  shopifyDeliverer,
  shopifyOrder,
} from './shopifyFixtures.js';

export interface ShopifyStoreUnderTest extends StoreUnderTest {
  readonly shopifyInbox: ShopifyInbox;
}

/** Shopify webhook scenarios (issue #12) on any store: realistic payloads, parking, duplicates, header rules. */
export const shopifyScenarios = (
  name: string,
  setup: () => Promise<ShopifyStoreUnderTest>,
): void => {
  describe(name, () => {
    let store: ShopifyStoreUnderTest;
    let app: OrderApp;
    beforeAll(async () => {
      store = await setup();
      app = createApp(store, { logger: pino({ level: 'silent' }), shopifySecret: SECRET });
      checkResponsesAgainstOpenApi(app);
    });
    afterAll(async () => {
      await store?.teardown?.();
    });

    const deliver = shopifyDeliverer(() => app);

    it("keeps Shopify's own test id (above 2^53) exact, and cancels the same order by it", async () => {
      const raw = rawWithId(SHOPIFY_TEST_ID, shopifyOrder());
      expect(raw).toContain(`"id":${SHOPIFY_TEST_ID},`);
      const created = await deliver('orders/create', raw);
      expect(created.status, created.text).toBe(201);
      expect(created.json.externalId).toBe(SHOPIFY_TEST_ID);
      const cancelled = await deliver(
        'orders/cancelled',
        rawWithId(SHOPIFY_TEST_ID, shopifyOrder({ cancel_reason: 'customer' })),
      );
      expect(cancelled.status, cancelled.text).toBe(200);
      expect(cancelled.json.id).toBe(created.json.id);
      expect(cancelled.json.status).toBe('CANCELLED');
      // The neighbour that a rounded id would collide with is another order.
      const neighbour = await deliver(
        'orders/create',
        rawWithId('820982911946154500', shopifyOrder()),
      );
      expect(neighbour.status).toBe(201);
      expect(neighbour.json.id).not.toBe(created.json.id);
    });

    it('a custom line item (sku "", variant_id null) creates the order', async () => {
      const id = nextShopifyId();
      const raw = rawWithId(
        id,
        shopifyOrder({
          line_items: [
            {
              id: 1071823172,
              sku: '',
              title: 'Gift wrapping',
              quantity: 1,
              price: '5.00',
              variant_id: null,
              product_id: null,
            },
            {
              id: 1071823173,
              sku: null,
              title: 'Engraving',
              quantity: 2,
              price: '2.50',
              variant_id: null,
            },
          ],
        }),
      );
      const created = await deliver('orders/create', raw);
      expect(created.status, created.text).toBe(201);
      expect(created.json.lines.map((line: { sku: string }) => line.sku)).toEqual([
        'custom-1071823172',
        'custom-1071823173',
      ]);
      expect(created.json.orderTotal).toEqual({ amount: '10.00', currencyCode: 'USD' });
    });

    it('an order without shipping_address (pickup, digital) ships to its billing address', async () => {
      const id = nextShopifyId();
      const created = await deliver(
        'orders/create',
        rawWithId(id, shopifyOrder({ shipping_address: null, customer: null })),
      );
      expect(created.status, created.text).toBe(201);
      expect(created.json.shippingAddress).toMatchObject({ street: '2 Billing Rd', country: 'US' });
      expect(created.json.customer).toMatchObject({ firstName: 'Grace', lastName: 'Hopper' });
    });

    it('a payload that cannot be mapped is parked with its reason and answered 200, once; visible in metrics', async () => {
      const noAddress = nextShopifyId();
      const parked = await deliver(
        'orders/create',
        rawWithId(noAddress, shopifyOrder({ shipping_address: null, billing_address: null })),
        { 'X-Shopify-Webhook-Id': `wh-${noAddress}` },
      );
      expect(parked.status, parked.text).toBe(200);
      expect(parked.json).toMatchObject({ outcome: 'parked', topic: 'orders/create' });
      expect(parked.json.reason).toContain('shippingAddress');

      const noLines = nextShopifyId();
      const empty = await deliver(
        'orders/create',
        rawWithId(noLines, shopifyOrder({ line_items: [] })),
      );
      expect(empty.status).toBe(200);
      expect(empty.json.outcome).toBe('parked');
      const garbage = await deliver('orders/create', '{"id": 12, "line_items": [');
      expect(garbage.status).toBe(200);
      expect(garbage.json.outcome).toBe('parked');

      const again = await deliver(
        'orders/create',
        rawWithId(noAddress, shopifyOrder({ shipping_address: null, billing_address: null })),
        { 'X-Shopify-Webhook-Id': `wh-${noAddress}` },
      );
      expect(again.status).toBe(200);
      expect(again.json.outcome).toBe('duplicate');
      // Its cancel is parked too: the order will never arrive, so retrying it would only fail forever.
      const cancel = await deliver('orders/cancelled', rawWithId(noAddress, shopifyOrder()));
      expect(cancel.status).toBe(200);
      expect(cancel.json.outcome).toBe('parked');

      const list = await store.shopifyInbox.parked();
      const mine = list.filter((entry) => entry.shopifyOrderId === noAddress);
      expect(mine.map((entry) => entry.topic)).toEqual(['orders/cancelled', 'orders/create']);
      expect(mine[1]?.reason).toContain('shippingAddress');
      expect(mine[1]?.webhookId).toBe(`wh-${noAddress}`);
      expect(mine[1]?.payload).toContain(`"id":${noAddress}`);
      expect(
        list.some((entry) => entry.shopifyOrderId === noLines && entry.reason.includes('lines')),
      ).toBe(true);

      const metrics = await call(app, 'GET', '/metrics');
      expect(metrics.text).toMatch(
        /oms_shopify_webhooks_total\{topic="orders\/create",outcome="parked"\} [3-9]/,
      );
      expect(metrics.text).toMatch(
        /oms_shopify_webhooks_total\{topic="orders\/create",outcome="duplicate"\} 1/,
      );
    });

    it('orders/cancelled with NUL or a lone surrogate in cancel_reason cancels the order (cleaned)', async () => {
      for (const reason of ['fraud\u0000', 'odd \uD800 text']) {
        const id = nextShopifyId();
        expect((await deliver('orders/create', rawWithId(id, shopifyOrder()))).status).toBe(201);
        const raw = rawWithId(id, shopifyOrder({ cancel_reason: reason }));
        const cancelled = await deliver('orders/cancelled', raw);
        expect(cancelled.status, cancelled.text).toBe(200);
        expect(cancelled.json.status).toBe('CANCELLED');
        expect(cancelled.json.cancellationReason).toBe(
          `cancelled in Shopify: ${reason.replace('\u0000', '').replace('\uD800', '\uFFFD')}`,
        );
      }
    });

    it('deduplicates by X-Shopify-Webhook-Id and X-Shopify-Event-Id as well as by order id', async () => {
      const id = nextShopifyId();
      const raw = rawWithId(id, shopifyOrder());
      const first = await deliver('orders/create', raw, {
        'X-Shopify-Webhook-Id': `w1-${id}`,
        'X-Shopify-Event-Id': `e1-${id}`,
      });
      expect(first.status).toBe(201);
      const retry = await deliver('orders/create', raw, { 'X-Shopify-Webhook-Id': `w1-${id}` });
      expect(retry.status).toBe(200);
      expect(retry.json).toEqual({ outcome: 'duplicate', topic: 'orders/create' });
      const otherSubscription = await deliver('orders/create', raw, {
        'X-Shopify-Webhook-Id': `w2-${id}`,
        'X-Shopify-Event-Id': `e1-${id}`,
      });
      expect(otherSubscription.json).toEqual({ outcome: 'duplicate', topic: 'orders/create' });
      // No delivery ids: still once, by the order id.
      const bare = await deliver('orders/create', raw);
      expect(bare.status).toBe(200);
      expect(bare.json.id).toBe(first.json.id);
      expect(bare.headers.get('Idempotent-Replayed')).toBe('true');
    });

    it('accepts query parameters it does not know (Shopify may add some), unlike the order routes', async () => {
      const id = nextShopifyId();
      const query = '?shop=example.myshopify.com&api_version=2026-01&future_param=1';
      const created = await deliver('orders/create', rawWithId(id, shopifyOrder()), {}, query);
      expect(created.status, created.text).toBe(201);
      const cancelled = await deliver(
        'orders/cancelled',
        rawWithId(id, shopifyOrder({ cancel_reason: 'customer' })),
        {},
        query,
      );
      expect(cancelled.status, cancelled.text).toBe(200);
      expect(cancelled.json.status).toBe('CANCELLED');
      // The order routes refuse the same unknown parameters.
      const order = await call(app, 'POST', `/v1/orders/${created.json.id}/confirm${query}`);
      expect(order.status).toBe(422);
    });

    it('refuses a duplicated or malformed X-Shopify-Hmac-Sha256 header with 401', async () => {
      const raw = rawWithId(nextShopifyId(), shopifyOrder());
      const signature = signShopifyBody(raw, SECRET);
      const twice = new Headers();
      twice.append('X-Shopify-Hmac-Sha256', signature);
      twice.append('X-Shopify-Hmac-Sha256', signature);
      const malformed = [
        `${signature.slice(0, 10)}*${signature.slice(10)}`,
        `${signature.slice(0, 20)} ${signature.slice(20)}`,
        signature.replace('=', ''),
        `${signature}==`,
        Buffer.from(signature, 'base64').toString('base64url'),
      ];
      for (const headers of [
        twice,
        ...malformed.map((value) => ({ 'X-Shopify-Hmac-Sha256': value })),
      ]) {
        const refused = await deliver('orders/create', raw, headers);
        expect(refused.status, JSON.stringify([...new Headers(headers).entries()])).toBe(401);
        expect(refused.json.code).toBe('unauthorized');
      }
      expect((await deliver('orders/create', raw)).status).toBe(201);
    });
  });
};
