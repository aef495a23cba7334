import { describe, expect, it } from 'vitest';
import { canonicalJson, requestFingerprint } from './fingerprint.js';

describe('requestFingerprint', () => {
  it('ignores key order and undefined members, not values', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }], z: undefined })).toBe(
      '{"a":[{"c":3,"d":2}],"b":1}',
    );
    const base = requestFingerprint({ type: 'ConfirmOrder', orderId: 'o-1' });
    expect(requestFingerprint({ orderId: 'o-1', type: 'ConfirmOrder' })).toBe(base);
    expect(requestFingerprint({ type: 'ConfirmOrder', orderId: 'o-2' })).not.toBe(base);
    expect(requestFingerprint({ type: 'CompleteOrder', orderId: 'o-1' })).not.toBe(base);
    expect(base).toMatch(/^[\da-f]{64}$/);
  });
});
