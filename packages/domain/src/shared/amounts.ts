import { exact, plain } from './decimal.js';
import { scaledCompare, scaledRender, scaledSum, scaledTimes } from './scaledAmounts.js';

/**
 * Unchecked decimal arithmetic on amount strings, internal to the package: how `evolve` computes line and order
 * totals from stored events, which must never fail (an event stored before a rule existed still folds). `decide`
 * refuses any command whose totals would break the Money rules, using the checked helpers of `money.ts`.
 * Plain amounts take the scaled-integer path (scaledAmounts.ts); anything else is decimal.js's, with the same result.
 */
export const timesAmount = (amount: string, quantity: number): string =>
  scaledTimes(amount, quantity) ?? decimalTimes(amount, quantity);

export const sumAmounts = (amounts: readonly string[]): string =>
  scaledSum(amounts) ?? decimalSum(amounts);

/** At least `minDigits` fraction digits, more when the amount has them, never an exponent. */
export const renderAmount = (amount: string, minDigits: number): string =>
  scaledRender(amount, minDigits) ?? decimalRender(amount, minDigits);

/** -1, 0 or 1 as `left` is below, equal to or above `right` (unchecked, like the rest of this file). */
export const compareAmounts = (left: string, right: string): number =>
  scaledCompare(left, right) ?? decimalCompare(left, right);

/** The decimal.js forms: the rule the fast path is tested against, and what every other input gets. */
export const decimalTimes = (amount: string, quantity: number): string =>
  plain(exact(amount).times(quantity));

export const decimalSum = (amounts: readonly string[]): string =>
  plain(amounts.reduce((total, amount) => total.plus(exact(amount)), exact(0)));

export const decimalRender = (amount: string, minDigits: number): string => {
  const value = exact(amount);
  return value.isFinite() ? value.toFixed(Math.max(minDigits, value.decimalPlaces())) : amount;
};

export const decimalCompare = (left: string, right: string): number =>
  exact(left).comparedTo(exact(right));
