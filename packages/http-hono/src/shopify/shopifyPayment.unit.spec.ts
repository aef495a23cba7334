import { money, subtractMoney, toOrderRequest } from '@oms/domain';
import { createInMemoryOrderStore } from '@oms/domain/testing';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../createApp.js';
import { call } from '../testing/apiClient.js';
import { mapShopifyOrder } from './mapShopifyOrder.js';
import { shopifyCapture, shopifyCreatePayment, shopifyLinesTotal } from './shopifyPayment.js';

const address = { address1: '1 St', city: 'Toronto', zip: 'M5V', country_code: 'CA' };
/** A Shopify order of lines 2 × 40.00 + 1 × 20.00 = 100.00 USD, total_price 113.50 (shipping and tax on top). */
const order = (overrides: Record<string, unknown> = {}) => ({
  id: 4_501_234,
  currency: 'USD',
  email: 'a@example.com',
  customer: { first_name: 'A', last_name: 'B' },
  shipping_address: address,
  total_price: '113.50',
  line_items: [
    { sku: 'A', title: 'A', quantity: 2, price: '40.00' },
    { sku: 'B', title: 'B', quantity: 1, price: '20.00' },
  ],
  ...overrides,
});
const payment = (status: string, amount: string) => ({
  paymentId: 'shopify:4501234',
  amount: { amount, currencyCode: 'USD' },
  provider: 'shopify',
  status,
});

describe('Shopify financial_status → the create payment (spec §6)', () => {
  it.each([
    ['authorized', { total_price: '80.00' }, payment('AUTHORIZED', '80')],
    ['paid', { total_price: '99.99' }, payment('CAPTURED', '99.99')],
    // total_price includes shipping and tax: capped at the lines total, never refused by the domain
    ['paid', {}, payment('CAPTURED', '100')],
    ['authorized', { total_price: 'n/a' }, payment('AUTHORIZED', '100')],
    ['partially_paid', { total_outstanding: '63.50' }, payment('CAPTURED', '50')],
    ['partially_paid', { total_outstanding: '3.50' }, payment('CAPTURED', '100')],
  ])('%s %j → %j', (financial_status, extra, expected) => {
    const mapped = mapShopifyOrder(order({ financial_status, ...extra }));
    expect(mapped.payment).toEqual(expected);
  });

  it.each([
    ['pending'],
    ['unpaid'],
    ['voided'],
    ['refunded'],
    ['partially_refunded'],
    ['expired'],
    [undefined],
    [42],
  ])('%s → no payment (PENDING)', (financial_status) => {
    expect(mapShopifyOrder(order({ financial_status })).payment).toBeUndefined();
  });

  it('partially_paid without total_outstanding (or nothing paid) → no payment', () => {
    expect(
      shopifyCreatePayment(order({ financial_status: 'partially_paid' }), '1'),
    ).toBeUndefined();
    expect(
      shopifyCreatePayment(
        order({ financial_status: 'partially_paid', total_outstanding: '113.50' }),
        '1',
      ),
    ).toBeUndefined();
  });

  it('unreadable lines → no payment: the create is refused for its lines, not its payment', () => {
    const bad = order({ financial_status: 'paid', line_items: [{ sku: 'A', price: 'x' }] });
    expect(shopifyCreatePayment(bad, '1')).toBeUndefined();
    expect(shopifyLinesTotal(bad)).toBeUndefined();
  });

  it('orders/paid captures total_price capped at the order total given, else at the lines total', () => {
    const cap = money('100.00', 'USD')._unsafeUnwrap();
    expect(shopifyCapture(order(), '4501234', cap)).toEqual(payment('CAPTURED', '100'));
    expect(shopifyCapture(order({ total_price: '90' }), '4501234', cap)).toEqual(
      payment('CAPTURED', '90'),
    );
    expect(shopifyCapture(order(), '4501234', undefined)).toEqual(payment('CAPTURED', '100'));
    expect(shopifyCapture(order({ line_items: null }), '4501234', undefined)).toBeUndefined();
    // Another currency than the order's is not capped in the order's: the domain refuses it (mixed-currencies).
    expect(shopifyCapture(order({ currency: 'EUR' }), '4501234', cap)?.amount).toEqual({
      amount: '113.5',
      currencyCode: 'EUR',
    });
  });

  const amount = fc
    .tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 99 }))
    .map(([units, cents]) => `${units}.${String(cents).padStart(2, '0')}`);

  const shopifyPayload = fc
    .record({
      lines: fc.array(fc.tuple(amount, fc.integer({ min: 1, max: 50 })), {
        minLength: 1,
        maxLength: 8,
      }),
      totalPrice: fc.option(amount, { nil: undefined }),
      outstanding: fc.option(amount, { nil: undefined }),
      financial_status: fc.constantFrom(
        'authorized',
        'paid',
        'partially_paid',
        'pending',
        'voided',
        'refunded',
      ),
    })
    .map(({ lines, totalPrice, outstanding, financial_status }) =>
      order({
        financial_status,
        total_price: totalPrice,
        total_outstanding: outstanding,
        line_items: lines.map(([price, quantity], index) => ({
          sku: `S${index}`,
          title: 'T',
          price,
          quantity,
        })),
      }),
    );

  it('property: the domain creates every mapped order, with the status financial_status gives', async () => {
    const app = createApp(createInMemoryOrderStore(), { logger: pino({ level: 'silent' }) });
    await fc.assert(
      fc.asyncProperty(shopifyPayload, async (payload) => {
        const mapped = mapShopifyOrder(payload);
        const created = await call(app, 'POST', '/v1/orders', { body: mapped });
        expect(created.status, created.text).toBe(201);
        const paid = mapped.payment as ReturnType<typeof shopifyCreatePayment>;
        expect(created.json.paymentStatus).toBe(paid?.status ?? 'PENDING');
      }),
      { numRuns: 60 },
    );
  });

  it('property: the mapped payment never exceeds the lines total, and the create is always valid', () => {
    fc.assert(
      fc.property(shopifyPayload, (payload) => {
        const mapped = mapShopifyOrder(payload);
        expect(toOrderRequest('CreateOrder', {}, mapped).isOk()).toBe(true);
        const total = shopifyLinesTotal(payload);
        if (total === undefined) throw new Error('lines total expected');
        const paid = mapped.payment as ReturnType<typeof shopifyCreatePayment>;
        if (paid === undefined) return;
        const paidMoney = money(paid.amount.amount, paid.amount.currencyCode)._unsafeUnwrap();
        // total − paid is refused when negative: it must succeed
        expect(subtractMoney(total, paidMoney).isOk()).toBe(true);
      }),
    );
  });
});
