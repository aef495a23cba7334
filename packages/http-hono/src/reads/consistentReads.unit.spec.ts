import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newestVersionNamed } from './consistentReads.js';

describe('newestVersionNamed', () => {
  it('is the highest version an If-None-Match names, weak or strong', () => {
    expect(newestVersionNamed('"3"')).toBe(3);
    expect(newestVersionNamed('W/"3", "7" ,"5"')).toBe(7);
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 10 }),
        (versions) => {
          const header = versions.map((v, i) => (i % 2 ? `W/"${v}"` : `"${v}"`)).join(', ');
          expect(newestVersionNamed(header)).toBe(Math.max(...versions));
        },
      ),
    );
  });

  it('names none for a missing, `*`, malformed or non-version header', () => {
    for (const header of [undefined, '*', 'abc', '"x"', '"', ''])
      expect(newestVersionNamed(header)).toBeUndefined();
  });
});
