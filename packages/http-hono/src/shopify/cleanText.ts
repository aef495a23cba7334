const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Shopify's text as this service can store it: NUL removed, lone UTF-16 surrogates replaced by U+FFFD. A webhook
 * cannot ask Shopify for better text, so it cleans what it takes instead of refusing the delivery forever.
 */
export const cleanText = (text: string): string =>
  text.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
