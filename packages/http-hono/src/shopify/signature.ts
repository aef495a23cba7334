import { createHmac, timingSafeEqual } from 'node:crypto';

/** `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body, compared in constant time. */
export const verifyShopifySignature = (
  rawBody: Uint8Array,
  header: string | undefined,
  secret: string,
): boolean => {
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const presented = Buffer.from(header ?? '', 'base64');
  // Compare equal lengths always, so that a short header costs the same as a wrong one.
  const comparable =
    presented.length === expected.length ? presented : Buffer.alloc(expected.length);
  return timingSafeEqual(comparable, expected) && presented.length === expected.length;
};

export const signShopifyBody = (rawBody: string | Uint8Array, secret: string): string =>
  createHmac('sha256', secret).update(rawBody).digest('base64');
