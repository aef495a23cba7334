import { createHash } from 'node:crypto';
import { cleanText } from './cleanText.js';
import { shopifyCreatePayment } from './shopifyPayment.js';

type Json = Record<string, unknown>;

const object = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
/** A non-blank string (cleaned of what cannot be stored) or a finite number as text. */
const text = (value: unknown): string | undefined => {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const cleaned = cleanText(value);
  return cleaned.trim() === '' ? undefined : cleaned;
};
const defined = (entries: Record<string, unknown>): Json =>
  Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));

/**
 * The Shopify order id as text, or undefined. Read the payload with `parseShopifyPayload`: ids above 2^53 then
 * arrive as digit strings, exact.
 */
export const shopifyIdOf = (payload: unknown): string | undefined => {
  const id = object(payload).id;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) return String(id);
  if (typeof id === 'string' && /^\d{1,30}$/.test(id)) return id;
  return undefined;
};

const address = (value: unknown): Json | undefined => {
  const source = object(value);
  if (Object.keys(source).length === 0) return undefined;
  return defined({
    street: text(source.address1),
    street2: text(source.address2),
    city: text(source.city),
    state: text(source.province_code),
    postalCode: text(source.zip),
    country: text(source.country_code),
  });
};

/**
 * A line item's SKU: its own, else `variant-<variant_id>`, else (a custom line item: `sku: ""`,
 * `variant_id: null`) `custom-<line item id>`, else `custom-<position>`.
 */
const skuOf = (line: Json, index: number): string => {
  const variant = text(line.variant_id);
  const id = text(line.id);
  return (
    text(line.sku) ?? (variant ? `variant-${variant}` : id ? `custom-${id}` : `custom-${index + 1}`)
  ).slice(0, 100);
};

/**
 * A Shopify order (webhook `orders/create`) as CreateOrder input (spec §4 mapping). An order without a shipping
 * address (pickup, digital) ships to its billing address; with neither, the shipping address is left out and the
 * domain's validation names it (the webhook then parks the delivery). `financial_status` gives the create's `payment`
 * (`shopifyCreatePayment`). The result is validated by the domain's schema
 * like any other input.
 */
export const mapShopifyOrder = (payload: unknown): Json => {
  const order = object(payload);
  const shipping = object(order.shipping_address);
  const billing = object(order.billing_address);
  const customer = object(order.customer);
  const currency = text(order.currency);
  const lineItems = Array.isArray(order.line_items) ? order.line_items : [];
  const createdAt = text(order.created_at);
  const billingAddress = address(order.billing_address);
  const shopifyId = shopifyIdOf(payload);
  return defined({
    channel: 'ECOMMERCE',
    externalId: shopifyId,
    customer: defined({
      firstName: text(customer.first_name) ?? text(shipping.first_name) ?? text(billing.first_name),
      lastName: text(customer.last_name) ?? text(shipping.last_name) ?? text(billing.last_name),
      email: text(customer.email) ?? text(order.email) ?? text(order.contact_email),
      phone: text(customer.phone) ?? text(shipping.phone) ?? text(billing.phone),
    }),
    shippingAddress: address(order.shipping_address) ?? billingAddress,
    billingAddress,
    lines: lineItems.map((item, index) => {
      const line = object(item);
      return defined({
        sku: skuOf(line, index),
        productName: text(line.title) ?? text(line.name),
        quantity: line.quantity,
        unitPrice: { amount: line.price, currencyCode: currency },
      });
    }),
    placedAt: createdAt,
    metadata: defined({ shopifyOrderName: text(order.name)?.slice(0, 500) }),
    payment: shopifyId === undefined ? undefined : shopifyCreatePayment(payload, shopifyId),
  });
};

/**
 * The order id a Shopify order gets: a UUID v7 whose time is the Shopify `created_at` and whose other bits come from
 * the Shopify id, so that `orders/cancelled` finds the order created by `orders/create`.
 */
export const shopifyOrderId = (shopifyId: string, createdAt: unknown): string => {
  const parsed = typeof createdAt === 'string' ? Date.parse(createdAt) : Number.NaN;
  const millis = Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
  const hash = createHash('sha256').update(`shopify-order:${shopifyId}`).digest();
  const bytes = new Uint8Array(16);
  for (let index = 0; index < 6; index += 1)
    bytes[index] = Math.floor(millis / 2 ** (8 * (5 - index))) & 0xff;
  bytes.set(hash.subarray(0, 10), 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
