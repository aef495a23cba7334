import { describe, expect, it } from 'vitest';
import { parseIdempotencyKey, parseIfMatch } from './headers.js';

describe('If-Match', () => {
  it('reads a quoted, weak or bare version; * and absence name none', () => {
    expect(parseIfMatch('"3"')._unsafeUnwrap()).toBe(3);
    expect(parseIfMatch('W/"12"')._unsafeUnwrap()).toBe(12);
    expect(parseIfMatch('7')._unsafeUnwrap()).toBe(7);
    expect(parseIfMatch('*')._unsafeUnwrap()).toBeUndefined();
    expect(parseIfMatch(undefined)._unsafeUnwrap()).toBeUndefined();
    expect(parseIfMatch('"abc"').isErr()).toBe(true);
    expect(parseIfMatch('"1", "2"').isErr()).toBe(true);
  });
});

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
