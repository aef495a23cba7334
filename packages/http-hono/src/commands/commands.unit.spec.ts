import { describe, expect, it } from 'vitest';
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
