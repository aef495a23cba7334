import { createHmac, timingSafeEqual } from 'node:crypto';

/** Exactly one canonical base64 SHA-256 digest: 43 characters and one `=`. */
const BASE64_DIGEST = /^[A-Za-z0-9+/]{43}=$/;

/**
 * `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body, compared in constant time. The header must be one
 * canonical base64 digest: a repeated header (which arrives joined as `a, b`), padding, whitespace or any other
 * character is refused, never decoded leniently.
 */
export const verifyShopifySignature = (
  rawBody: Uint8Array,
  header: string | undefined,
  secret: string,
): boolean => {
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const wellFormed = header !== undefined && BASE64_DIGEST.test(header);
  const presented = wellFormed ? Buffer.from(header, 'base64') : Buffer.alloc(0);
  // Compare equal lengths always, so that a malformed header costs the same as a wrong one.
  const comparable =
    presented.length === expected.length ? presented : Buffer.alloc(expected.length);
  return timingSafeEqual(comparable, expected) && presented.length === expected.length;
};

export const signShopifyBody = (rawBody: string | Uint8Array, secret: string): string =>
  createHmac('sha256', secret).update(rawBody).digest('base64');
