import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLsn, lsnToBigInt } from './lsn.js';

describe('LSN text', () => {
  it('orders like PostgreSQL’s pg_lsn: high word first, then low word', () => {
    expect(lsnToBigInt('0/0')).toBe(0n);
    expect(lsnToBigInt('1/0')).toBe(2n ** 32n);
    expect(lsnToBigInt('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), fc.nat(), (a, b, c, d) => {
        const x = `${a.toString(16)}/${b.toString(16)}`;
        const y = `${c.toString(16)}/${d.toString(16)}`;
        const compared = (lsnToBigInt(x) ?? 0n) < (lsnToBigInt(y) ?? 0n);
        expect(compared).toBe(a < c || (a === c && b < d));
      }),
    );
  });

  it('rejects what is not an LSN', () => {
    for (const text of ['', '0', '/0', '0/', 'G/0', '123456789/0', '0/0 ', "0/0'; DROP", '-1/0'])
      expect([isLsn(text), lsnToBigInt(text)]).toEqual([false, undefined]);
  });
});
