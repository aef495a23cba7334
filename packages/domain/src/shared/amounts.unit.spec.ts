import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareAmounts,
  decimalCompare,
  decimalRender,
  decimalSum,
  decimalTimes,
  renderAmount,
  sumAmounts,
  timesAmount,
} from './amounts.js';
import { scaledRender, scaledSum, scaledTimes } from './scaledAmounts.js';

// Plain decimals as orders carry them, and the odd ones an old stored event might: leading and trailing zeros,
// negatives (a subtraction's operand), long ones.
const digits = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const plainDecimal = fc
  .tuple(fc.constantFrom('', '', '-'), digits(1, 22), fc.option(digits(1, 12), { nil: undefined }))
  .map(
    ([sign, whole, fraction]) => `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}`,
  );
// anything at all: the public functions must then answer exactly as decimal.js does
const anyAmount = fc.oneof(
  plainDecimal,
  fc.string({ maxLength: 12 }),
  fc.constantFrom('1e3', '-0', '0x10', ' 1', '5.', '.5', 'NaN', 'Infinity'),
);
const quantity = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.integer(), fc.constant(-0));

describe('amounts: the scaled-integer path gives exactly what decimal.js gives', () => {
  it('a product of an amount and a quantity', () => {
    fc.assert(
      fc.property(anyAmount, quantity, (amount, times) => {
        expect(timesAmount(amount, times)).toBe(decimalTimes(amount, times));
      }),
      { numRuns: 3_000 },
    );
  });

  it('a sum of amounts, negatives included', () => {
    fc.assert(
      fc.property(fc.array(plainDecimal, { maxLength: 30 }), (amounts) => {
        expect(sumAmounts(amounts)).toBe(decimalSum(amounts));
      }),
      { numRuns: 3_000 },
    );
    fc.assert(
      fc.property(fc.array(anyAmount, { maxLength: 5 }), (amounts) => {
        expect(sumAmounts(amounts)).toBe(decimalSum(amounts));
      }),
    );
  });

  it('an amount rendered with at least the currency minor-unit digits', () => {
    fc.assert(
      fc.property(anyAmount, fc.integer({ min: 0, max: 4 }), (amount, minDigits) => {
        expect(renderAmount(amount, minDigits)).toBe(decimalRender(amount, minDigits));
      }),
      { numRuns: 3_000 },
    );
  });

  it('a comparison', () => {
    fc.assert(
      fc.property(anyAmount, anyAmount, (left, right) => {
        expect(compareAmounts(left, right)).toBe(decimalCompare(left, right));
      }),
      { numRuns: 3_000 },
    );
  });

  it('takes the fast path for the amounts orders carry, and leaves the rest to decimal.js', () => {
    expect(scaledTimes('29.99', 2)).toBe('59.98');
    expect(scaledSum(['59.98', '0.02', '1500'])).toBe('1560');
    expect(scaledRender('1560', 2)).toBe('1560.00');
    expect(scaledRender('0.375', 2)).toBe('0.375');
    expect(scaledRender('29.900', 2)).toBe('29.90');
    expect(scaledRender('1e3', 2)).toBeUndefined();
    expect(scaledTimes('-0', 3)).toBe('0');
    expect(scaledRender('-0', 2)).toBe('0.00');
    expect(scaledSum(['1'.repeat(41)])).toBeUndefined();
  });
});
