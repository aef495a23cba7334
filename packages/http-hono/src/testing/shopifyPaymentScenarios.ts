import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type OrderApp } from '../createApp.js';
import { call } from './apiClient.js';
import { checkResponsesAgainstOpenApi } from './openApiResponses.js';
import {
  nextShopifyId,
  rawWithId,
  SECRET,
  shopifyDeliverer,
  shopifyOrder,
} from './shopifyFixtures.js';
import type { ShopifyStoreUnderTest } from './shopifyScenarios.js';

/**
 * Shopify payments (issue #14, spec §6) on any store: `financial_status` at create, `orders/paid` recording the
 * capture. The line is 199.00 USD; Shopify's `total_price` (215.40) adds shipping and tax on top.
 */
export const shopifyPaymentScenarios = (
  name: string,
  setup: () => Promise<ShopifyStoreUnderTest>,
): void => {
  describe(name, () => {
    let store: ShopifyStoreUnderTest;
    let app: OrderApp;
    beforeAll(async () => {
      store = await setup();
      app = createApp(store, {
        logger: pino({ level: 'silent' }),
        shopifySecret: SECRET,
        confirmRequiresPayment: true,
      });
      checkResponsesAgainstOpenApi(app);
    });
    afterAll(async () => {
      await store?.teardown?.();
    });
    const deliver = shopifyDeliverer(() => app);
    const paidOrder = (extra: Record<string, unknown> = {}) =>
      shopifyOrder({
        total_price: '215.40',
        subtotal_price: '199.00',
        total_tax: '11.40',
        total_outstanding: '0.00',
        ...extra,
      });
    const capture = (id: string, amount: string) => ({
      paymentId: `shopify:${id}`,
      amount: { amount, currencyCode: 'USD' },
      provider: 'shopify',
      status: 'CAPTURED',
    });

    it('financial_status paid: created CAPTURED, capped at the lines total (total_price has shipping and tax)', async () => {
      const id = nextShopifyId();
      const created = await deliver(
        'orders/create',
        rawWithId(id, paidOrder({ financial_status: 'paid' })),
      );
      expect(created.status, created.text).toBe(201);
      expect(created.json.orderTotal).toEqual({ amount: '199.00', currencyCode: 'USD' });
      expect(created.json.paymentStatus).toBe('CAPTURED');
      expect(created.json.payments).toMatchObject([capture(id, '199.00')]);
    });

    it('financial_status pending, voided or refunded: created PENDING, never parked', async () => {
      for (const financial_status of ['pending', 'voided', 'refunded', 'partially_refunded']) {
        const created = await deliver(
          'orders/create',
          rawWithId(nextShopifyId(), paidOrder({ financial_status })),
        );
        expect(created.status, created.text).toBe(201);
        expect(created.json).toMatchObject({ paymentStatus: 'PENDING', payments: [] });
      }
    });

    it('partially_paid: CAPTURED for the paid part', async () => {
      const id = nextShopifyId();
      const created = await deliver(
        'orders/create',
        rawWithId(
          id,
          paidOrder({ financial_status: 'partially_paid', total_outstanding: '115.40' }),
        ),
      );
      expect(created.status, created.text).toBe(201);
      expect(created.json.payments).toMatchObject([capture(id, '100.00')]);
    });

    it('authorized, then orders/paid captures the same payment once; redeliveries are duplicates', async () => {
      const id = nextShopifyId();
      const created = await deliver(
        'orders/create',
        rawWithId(id, paidOrder({ financial_status: 'authorized' })),
      );
      expect(created.status, created.text).toBe(201);
      expect(created.json.paymentStatus).toBe('AUTHORIZED');
      const raw = rawWithId(id, paidOrder({ financial_status: 'paid' }));
      const paid = await deliver('orders/paid', raw, { 'X-Shopify-Webhook-Id': `paid-${id}` });
      expect(paid.status, paid.text).toBe(200);
      expect(paid.json.id).toBe(created.json.id);
      expect(paid.json.paymentStatus).toBe('CAPTURED');
      expect(paid.json.payments).toMatchObject([capture(id, '199.00')]);
      const again = await deliver('orders/paid', raw, { 'X-Shopify-Webhook-Id': `paid-${id}` });
      expect(again.json).toEqual({ outcome: 'duplicate', topic: 'orders/paid' });
      const bare = await deliver('orders/paid', raw);
      expect(bare.status).toBe(200);
      expect(bare.json.version).toBe(paid.json.version);
      expect(bare.json.payments).toHaveLength(1);
    });

    it('orders/paid before orders/create answers 404 so Shopify retries, never parked; then it applies', async () => {
      const id = nextShopifyId();
      const raw = rawWithId(id, paidOrder({ financial_status: 'paid' }));
      const early = await deliver('orders/paid', raw, { 'X-Shopify-Webhook-Id': `early-${id}` });
      expect(early.status, early.text).toBe(404);
      expect(early.json.code).toBe('order-not-found');
      expect((await store.shopifyInbox.parked()).some((p) => p.shopifyOrderId === id)).toBe(false);
      const created = await deliver('orders/create', rawWithId(id, paidOrder()));
      expect(created.json.paymentStatus).toBe('PENDING');
      // Shopify retries the same delivery (same webhook id): it was not recorded, so it now applies.
      const retried = await deliver('orders/paid', raw, { 'X-Shopify-Webhook-Id': `early-${id}` });
      expect(retried.status, retried.text).toBe(200);
      expect(retried.json.paymentStatus).toBe('CAPTURED');
      const metrics = await call(app, 'GET', '/metrics');
      expect(metrics.text).toMatch(
        /oms_shopify_webhooks_total\{topic="orders\/paid",outcome="retry"\} [1-9]/,
      );
    });

    it('orders/paid of an order whose create was parked is parked too', async () => {
      const id = nextShopifyId();
      const parked = await deliver('orders/create', rawWithId(id, paidOrder({ line_items: [] })));
      expect(parked.json.outcome).toBe('parked');
      const paid = await deliver('orders/paid', rawWithId(id, paidOrder()));
      expect(paid.status).toBe(200);
      expect(paid.json).toMatchObject({ outcome: 'parked', topic: 'orders/paid' });
    });

    it('orders/paid in another currency than the order is parked (mixed-currencies); a cancelled order still records its capture', async () => {
      const id = nextShopifyId();
      const created = await deliver('orders/create', rawWithId(id, paidOrder()));
      expect(created.status, created.text).toBe(201);
      const euro = await deliver('orders/paid', rawWithId(id, paidOrder({ currency: 'EUR' })));
      expect(euro.status).toBe(200);
      expect(euro.json).toMatchObject({ outcome: 'parked', topic: 'orders/paid' });
      expect(euro.json.reason).toContain('mixed-currencies');
      // One key per Shopify order (like the create's): the refusal is its recorded answer, a redelivery gets it again.
      const again = await deliver('orders/paid', rawWithId(id, paidOrder()));
      expect(again.json).toMatchObject({ outcome: 'parked', topic: 'orders/paid' });

      const other = nextShopifyId();
      expect((await deliver('orders/create', rawWithId(other, paidOrder()))).status).toBe(201);
      const cancelled = await deliver('orders/cancelled', rawWithId(other, paidOrder()));
      expect(cancelled.json.status).toBe('CANCELLED');
      const paid = await deliver('orders/paid', rawWithId(other, paidOrder()));
      expect(paid.status, paid.text).toBe(200);
      expect(paid.json).toMatchObject({ status: 'CANCELLED', paymentStatus: 'CAPTURED' });
    });

    it('hostile amounts and statuses: orders/create and orders/paid never answer 5xx, a create never parks for its payment', async () => {
      const value = fc.oneof(
        fc.constantFrom('-1.00', '1e9', '0x10', '', ' 5', '99999999999999999999.99', 'NaN'),
        fc.double(),
        fc.constant(null),
        fc.string({ maxLength: 8 }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('paid', 'authorized', 'partially_paid', 'voided', 'PAID', 7, null),
          value,
          value,
          async (financial_status, total_price, total_outstanding) => {
            const id = nextShopifyId();
            const raw = rawWithId(
              id,
              paidOrder({ financial_status, total_price, total_outstanding }),
            );
            const created = await deliver('orders/create', raw);
            expect(created.status, created.text).toBe(201);
            const paid = await deliver('orders/paid', raw);
            expect(paid.status, paid.text).toBe(200);
            expect(paid.json.paymentStatus).toBe('CAPTURED');
          },
        ),
        { numRuns: 25 },
      );
    });

    it('a confirm held for payment (OMS_CONFIRM_REQUIRES_PAYMENT) is confirmed by orders/paid', async () => {
      const id = nextShopifyId();
      const created = await deliver('orders/create', rawWithId(id, paidOrder()));
      const orderId = created.json.id as string;
      const held = await call(app, 'POST', `/v1/orders/${orderId}/confirm`);
      expect(held.status, held.text).toBe(200);
      expect(held.json.status).toBe('DRAFT');
      expect(held.json.holds).toMatchObject([{ reason: 'AWAITING_PAYMENT' }]);
      const paid = await deliver('orders/paid', rawWithId(id, paidOrder()));
      expect(paid.status, paid.text).toBe(200);
      expect(paid.json).toMatchObject({
        status: 'CONFIRMED',
        holds: [],
        paymentStatus: 'CAPTURED',
      });
    });
  });
};
