import { isUuid, uuidv7Time } from '@oms/domain';
import { describe, expect, it } from 'vitest';
import { mapShopifyOrder, shopifyOrderId } from './mapShopifyOrder.js';
import { signShopifyBody, verifyShopifySignature } from './signature.js';

describe('Shopify signature', () => {
  const body = new TextEncoder().encode('{"id":1}');
  it('accepts the HMAC of the raw body and nothing else', () => {
    const signature = signShopifyBody(body, 'secret');
    expect(verifyShopifySignature(body, signature, 'secret')).toBe(true);
    expect(verifyShopifySignature(body, signature, 'other')).toBe(false);
    expect(verifyShopifySignature(new TextEncoder().encode('{"id": 1}'), signature, 'secret')).toBe(
      false,
    );
    expect(verifyShopifySignature(body, undefined, 'secret')).toBe(false);
    expect(verifyShopifySignature(body, 'short', 'secret')).toBe(false);
  });
});

describe('Shopify order mapping', () => {
  it('maps line items, addresses and the customer as spec §4 says', () => {
    expect(
      mapShopifyOrder({
        id: 99,
        currency: 'CAD',
        email: 'order@example.com',
        customer: { first_name: 'A', last_name: 'B' },
        shipping_address: {
          address1: '1 St',
          city: 'Toronto',
          province_code: 'ON',
          zip: 'M5V',
          country_code: 'CA',
        },
        line_items: [{ sku: null, variant_id: 7, title: 'Thing', quantity: 2, price: '3.50' }],
      }),
    ).toEqual({
      channel: 'ECOMMERCE',
      externalId: '99',
      customer: { firstName: 'A', lastName: 'B', email: 'order@example.com' },
      shippingAddress: {
        street: '1 St',
        city: 'Toronto',
        state: 'ON',
        postalCode: 'M5V',
        country: 'CA',
      },
      lines: [
        {
          sku: 'variant-7',
          productName: 'Thing',
          quantity: 2,
          unitPrice: { amount: '3.50', currencyCode: 'CAD' },
        },
      ],
      metadata: {},
    });
  });

  it('gives a Shopify order a stable UUID v7 at its created_at', () => {
    const id = shopifyOrderId('123', '2026-01-15T10:00:00Z');
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(uuidv7Time(id)?.toISOString()).toBe('2026-01-15T10:00:00.000Z');
    expect(shopifyOrderId('123', '2026-01-15T10:00:00Z')).toBe(id);
    expect(shopifyOrderId('124', '2026-01-15T10:00:00Z')).not.toBe(id);
  });
});
