import { createHash } from 'node:crypto';

type Json = Record<string, unknown>;

const object = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== ''
    ? value
    : typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : undefined;
const defined = (entries: Record<string, unknown>): Json =>
  Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));

/** The Shopify order id as text (`id` is a number in Shopify's JSON), or undefined. */
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
 * A Shopify order (webhook `orders/create`) as CreateOrder input (spec §4 mapping). The result is validated by the
 * domain's schema like any other input, so a bad payload is a 422 naming the fields.
 */
export const mapShopifyOrder = (payload: unknown): Json => {
  const order = object(payload);
  const shipping = object(order.shipping_address);
  const customer = object(order.customer);
  const currency = text(order.currency);
  const lineItems = Array.isArray(order.line_items) ? order.line_items : [];
  const createdAt = text(order.created_at);
  return defined({
    channel: 'ECOMMERCE',
    externalId: shopifyIdOf(payload),
    customer: defined({
      firstName: text(customer.first_name) ?? text(shipping.first_name),
      lastName: text(customer.last_name) ?? text(shipping.last_name),
      email: text(customer.email) ?? text(order.email) ?? text(order.contact_email),
      phone: text(customer.phone) ?? text(shipping.phone),
    }),
    shippingAddress: address(order.shipping_address) ?? {},
    billingAddress: address(order.billing_address),
    lines: lineItems.map((item) => {
      const line = object(item);
      const variant = text(line.variant_id);
      return defined({
        sku: text(line.sku) ?? (variant ? `variant-${variant}` : undefined),
        productName: text(line.title) ?? text(line.name),
        quantity: line.quantity,
        unitPrice: { amount: line.price, currencyCode: currency },
      });
    }),
    placedAt: createdAt,
    metadata: defined({ shopifyOrderName: text(order.name)?.slice(0, 500) }),
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
