import { type Money, minMoney, money, multiplyMoney, subtractMoney, sumMoney } from '@oms/domain';

type Json = Record<string, unknown>;

const object = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};

/** The provider named on every payment the Shopify webhook records. */
export const SHOPIFY_PROVIDER = 'shopify';

/**
 * The payment id of a Shopify order: one per Shopify order, the same from `orders/create` and `orders/paid`, so that
 * the capture replaces the create's authorization (the domain keeps one entry per payment id) and a redelivery is a
 * no-op.
 */
export const shopifyPaymentId = (shopifyId: string): string => `shopify:${shopifyId}`;

/** An amount of the payload (Shopify sends decimal strings, "199.00"), or undefined when unreadable. */
const amountOf = (value: unknown, currencyCode: string): Money | undefined => {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const read = money(text, currencyCode);
  return read.isOk() ? read.value : undefined;
};

/**
 * The lines total of a Shopify order as the order created from it computes it (`price × quantity` of each line item,
 * before discounts, shipping and tax), or undefined when a line cannot be read (the create is then refused for its
 * lines, not for its payment).
 */
export const shopifyLinesTotal = (payload: unknown): Money | undefined => {
  const order = object(payload);
  const currency = order.currency;
  if (typeof currency !== 'string' || !Array.isArray(order.line_items)) return undefined;
  const totals: Money[] = [];
  for (const item of order.line_items) {
    const line = object(item);
    const price = amountOf(line.price, currency);
    if (price === undefined || typeof line.quantity !== 'number') return undefined;
    const total = multiplyMoney(price, line.quantity);
    if (total.isErr()) return undefined;
    totals.push(total.value);
  }
  const sum = sumMoney(totals, currency);
  return sum.isOk() ? sum.value : undefined;
};

/**
 * What Shopify says was paid, capped at `cap` (the order's lines total). Shopify's `total_price` includes shipping
 * and tax while the order total is the lines only, and the domain refuses a payment above the order total: the cap
 * keeps a create from ever being refused (parked) for its payment. Unreadable `total_price`: the cap itself. Read in
 * the payload's `currency`: one other than the order's is left uncapped, for the domain to refuse.
 * `partially_paid`: `total_price − total_outstanding` when both are readable and the difference is above zero, else
 * undefined.
 */
const paidAmount = (order: Json, cap: Money, partially: boolean): Money | undefined => {
  const currency = typeof order.currency === 'string' ? order.currency : cap.currencyCode;
  const total = amountOf(order.total_price, currency);
  if (!partially) {
    if (total === undefined) return cap;
    // Another currency than the order's stays as it is: the domain refuses it (mixed-currencies, parked).
    const capped = minMoney(total, cap);
    return capped.isOk() ? capped.value : total;
  }
  const outstanding = amountOf(order.total_outstanding, currency);
  if (total === undefined || outstanding === undefined) return undefined;
  const paid = subtractMoney(total, outstanding).andThen((value) => minMoney(value, cap));
  return paid.isOk() && Number(paid.value.amount) > 0 ? paid.value : undefined;
};

/** Shopify `financial_status` → the status of the payment a create carries; absent: no payment (PENDING). */
const CREATE_STATUS: Readonly<Record<string, 'AUTHORIZED' | 'CAPTURED'>> = {
  authorized: 'AUTHORIZED',
  paid: 'CAPTURED',
  partially_paid: 'CAPTURED',
};

export interface ShopifyPayment {
  readonly paymentId: string;
  readonly amount: { readonly amount: string; readonly currencyCode: string };
  readonly provider: string;
  readonly status: 'AUTHORIZED' | 'CAPTURED';
}

const paymentOf = (
  order: Json,
  shopifyId: string,
  status: 'AUTHORIZED' | 'CAPTURED',
  cap: Money,
  partially: boolean,
): ShopifyPayment | undefined => {
  const amount = paidAmount(order, cap, partially);
  return amount === undefined
    ? undefined
    : {
        paymentId: shopifyPaymentId(shopifyId),
        amount: { amount: amount.amount, currencyCode: amount.currencyCode },
        provider: SHOPIFY_PROVIDER,
        status,
      };
};

/**
 * The `payment` of the create of a Shopify `orders/create` (spec §6), from its `financial_status`:
 * `authorized` → AUTHORIZED, `paid` → CAPTURED, `partially_paid` → CAPTURED for the paid part (when the payload gives
 * it), anything else → none, so the order stays PENDING: `pending`, `unpaid`, missing; `voided` (a create may only
 * carry AUTHORIZED or CAPTURED); `refunded` and `partially_refunded` (the domain has no refund status: the money is
 * not, or no longer wholly, held, and a later `orders/paid` does not follow). The amount is capped at the lines
 * total.
 */
export const shopifyCreatePayment = (
  payload: unknown,
  shopifyId: string,
): ShopifyPayment | undefined => {
  const order = object(payload);
  const financial = order.financial_status;
  const status = typeof financial === 'string' ? CREATE_STATUS[financial] : undefined;
  const cap = shopifyLinesTotal(payload);
  if (status === undefined || cap === undefined) return undefined;
  return paymentOf(order, shopifyId, status, cap, financial === 'partially_paid');
};

/**
 * The capture an `orders/paid` reports: CAPTURED, the same payment id as the create's, `total_price` capped at `cap`
 * (the order's total as the order has it now), or undefined when no amount can be read.
 */
export const shopifyCapture = (
  payload: unknown,
  shopifyId: string,
  cap: Money | undefined,
): ShopifyPayment | undefined => {
  const limit = cap ?? shopifyLinesTotal(payload);
  return limit === undefined
    ? undefined
    : paymentOf(object(payload), shopifyId, 'CAPTURED', limit, false);
};
