import { describe, expect, it } from 'vitest';
import { unstorableTextErrors } from './textSafety.js';

describe('unstorableTextErrors', () => {
  it('finds NUL in values and keys at any depth, with their paths', () => {
    expect(unstorableTextErrors({ a: 'ok', b: ['x', 'y\u0000'], c: { 'k\u0000': 'v' } })).toEqual([
      { path: 'b.1', message: 'must not contain NUL (U+0000) characters' },
      { path: 'c.k\\u0000', message: 'a key must not contain NUL (U+0000) characters' },
    ]);
    expect(unstorableTextErrors({ a: 'fine', n: 1, z: null })).toEqual([]);
  });

  it('finds lone UTF-16 surrogates and accepts paired ones', () => {
    expect(unstorableTextErrors({ name: 'A\ud800', other: '\udc00B', emoji: 'ok 😀' })).toEqual([
      { path: 'name', message: 'must be valid Unicode (no lone UTF-16 surrogates)' },
      { path: 'other', message: 'must be valid Unicode (no lone UTF-16 surrogates)' },
    ]);
    expect(unstorableTextErrors({ ['k\udbff']: 'v' })).toEqual([
      { path: 'k\\udbff', message: 'a key must be valid Unicode (no lone UTF-16 surrogates)' },
    ]);
  });
});
