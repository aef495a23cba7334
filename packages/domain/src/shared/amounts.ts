import { exact, plain } from './decimal.js';

/**
 * Unchecked decimal arithmetic on amount strings, internal to the package: how `evolve` computes line and order
 * totals from stored events, which must never fail (an event stored before a rule existed still folds). `decide`
 * refuses any command whose totals would break the Money rules, using the checked helpers of `money.ts`.
 */
export const timesAmount = (amount: string, quantity: number): string =>
  plain(exact(amount).times(quantity));

export const sumAmounts = (amounts: readonly string[]): string =>
  plain(amounts.reduce((total, amount) => total.plus(exact(amount)), exact(0)));

/** At least `minDigits` fraction digits, more when the amount has them, never an exponent. */
export const renderAmount = (amount: string, minDigits: number): string => {
  const value = exact(amount);
  return value.isFinite() ? value.toFixed(Math.max(minDigits, value.decimalPlaces())) : amount;
};

/** -1, 0 or 1 as `left` is below, equal to or above `right` (unchecked, like the rest of this file). */
export const compareAmounts = (left: string, right: string): number =>
  exact(left).comparedTo(exact(right));
