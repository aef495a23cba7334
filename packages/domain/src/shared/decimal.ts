import { Decimal as BaseDecimal } from 'decimal.js';

/**
 * The domain's own decimal constructor, internal to the package (never exported): a clone with its own settings,
 * so that `Decimal.set(...)` on decimal.js by a consumer cannot change it, and frozen, so that it cannot be changed
 * through an instance's `constructor` either. Enough significant digits for 15 integer + 4 fraction digits times a
 * quantity of 10^6, and sums of 500 lines.
 */
const Exact = BaseDecimal.clone({
  precision: 60,
  rounding: BaseDecimal.ROUND_HALF_EVEN,
  toExpNeg: -60,
  toExpPos: 60,
});
Object.freeze(Exact);

export type Exact = BaseDecimal;

/** A decimal from a string or an integer; a value decimal.js cannot read is NaN, never an exception. */
export const exact = (value: string | number): Exact => {
  try {
    return new Exact(value);
  } catch {
    return new Exact(Number.NaN);
  }
};

/** Plain decimal notation (never an exponent), trailing fraction zeros dropped: "29.99", "1500", "0.0001". */
export const plain = (value: Exact): string => value.toFixed();
