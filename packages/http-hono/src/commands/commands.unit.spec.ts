import { describe, expect, it } from 'vitest';
import { canonicalJson, requestFingerprint } from './fingerprint.js';
import { parseIdempotencyKey } from './headers.js';

describe('Idempotency-Key', () => {
  it('is 1 to 255 printable ASCII characters', () => {
    expect(parseIdempotencyKey('abc-123 x')._unsafeUnwrap()).toBe('abc-123 x');
    expect(parseIdempotencyKey('k'.repeat(255)).isOk()).toBe(true);
    expect(parseIdempotencyKey('k'.repeat(256)).isErr()).toBe(true);
    expect(parseIdempotencyKey('').isErr()).toBe(true);
    expect(parseIdempotencyKey('caf\u00e9').isErr()).toBe(true);
    expect(parseIdempotencyKey('tab\there').isErr()).toBe(true);
  });
});

describe('fingerprints', () => {
  it('ignore key order, not values, method or path', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const base = requestFingerprint('POST', '/v1/orders', { a: 1, b: 2 });
    expect(requestFingerprint('post', '/v1/orders', { b: 2, a: 1 })).toBe(base);
    expect(requestFingerprint('POST', '/v1/orders', { a: 1, b: 3 })).not.toBe(base);
    expect(requestFingerprint('POST', '/v1/orders/x', { a: 1, b: 2 })).not.toBe(base);
  });
});
