import { err, ok, type Result } from 'neverthrow';
import type { FieldError, OrderError } from '../order/order.errors.js';
import { validationFailed } from '../order/order.errors.js';
import { compareAmounts, renderAmount, sumAmounts, timesAmount } from './amounts.js';
import { isCurrencyCode, minorUnits } from './currencies.js';

export { ISO_4217_PUBLISHED, isCurrencyCode, minorUnits } from './currencies.js';

export const MAX_INTEGER_DIGITS = 15;
export const MAX_FRACTION_DIGITS = 4;

/** The one rule for an amount (spec §1): a non-negative decimal, at most 15 integer and 4 fraction digits. */
export const DECIMAL_AMOUNT = /^(?:0|[1-9]\d{0,14})(?:\.\d{1,4})?$/;

/**
 * An amount of one currency: an exact decimal in plain notation ("29.99", "1500", "0.375"), never a binary float,
 * never an exponent. Plain data: it holds no decimal object whose settings a consumer could change. Build it with
 * `money(...)` (or read it from an order); the helpers below check their operands and their results.
 */
export interface Money {
  readonly amount: string;
  readonly currencyCode: string;
}

/** Money as it travels: the amount rendered with at least the currency's minor-unit digits. */
export interface MoneyJson {
  readonly amount: string;
  readonly currencyCode: string;
}

export type MoneyError = Extract<OrderError, { code: 'validation-failed' | 'mixed-currencies' }>;

const AMOUNT_RULE = 'must be a non-negative decimal with at most 15 integer and 4 fraction digits';

const moneyProblems = (value: Money, path: string): FieldError[] => {
  const problems: FieldError[] = [];
  const prefix = path === '' ? '' : `${path}.`;
  if (typeof value?.amount !== 'string' || !DECIMAL_AMOUNT.test(value.amount))
    problems.push({ path: `${prefix}amount`, message: AMOUNT_RULE });
  if (typeof value?.currencyCode !== 'string' || !isCurrencyCode(value.currencyCode))
    problems.push({ path: `${prefix}currencyCode`, message: 'must be an ISO 4217 currency code' });
  return problems;
};

const invalid = (problems: readonly FieldError[]): MoneyError =>
  validationFailed(problems) as MoneyError;

/** A result amount that breaks the rule (more than 15 integer digits) is refused, never rounded or truncated. */
const result = (amount: string, currencyCode: string, path: string): Result<Money, MoneyError> =>
  DECIMAL_AMOUNT.test(amount)
    ? ok({ amount, currencyCode })
    : err(invalid([{ path, message: `the result ${amount} ${AMOUNT_RULE}` }]));

const mixedCurrencies = (currencies: readonly string[]): MoneyError => {
  const list = [...new Set(currencies)].sort();
  return {
    code: 'mixed-currencies',
    message: `every amount must use one currency, got ${list.join(', ')}`,
    currencies: list,
  };
};

/**
 * Money from a decimal string and an upper-case ISO 4217 code. Refuses negatives, exponents ("1e3"), hex ("0x10"),
 * blanks (" 1", ""), more than 4 fraction or 15 integer digits, and codes ISO does not list (HRK, "usd").
 */
export const money = (amount: string, currencyCode: string): Result<Money, MoneyError> => {
  const problems = moneyProblems({ amount, currencyCode }, '');
  return problems.length > 0
    ? err(invalid(problems))
    : ok({ amount: timesAmount(amount, 1), currencyCode });
};

export const zeroMoney = (currencyCode: string): Result<Money, MoneyError> =>
  money('0', currencyCode);

/** The sum of two amounts of one currency; mixed currencies are `mixed-currencies`. */
export const addMoney = (left: Money, right: Money): Result<Money, MoneyError> => {
  const problems = [...moneyProblems(left, 'left'), ...moneyProblems(right, 'right')];
  if (problems.length > 0) return err(invalid(problems));
  if (left.currencyCode !== right.currencyCode)
    return err(mixedCurrencies([left.currencyCode, right.currencyCode]));
  return result(sumAmounts([left.amount, right.amount]), left.currencyCode, 'amount');
};

/** `left` minus `right`, one currency; a negative result is refused (Money is never negative). */
export const subtractMoney = (left: Money, right: Money): Result<Money, MoneyError> => {
  const problems = [...moneyProblems(left, 'left'), ...moneyProblems(right, 'right')];
  if (problems.length > 0) return err(invalid(problems));
  if (left.currencyCode !== right.currencyCode)
    return err(mixedCurrencies([left.currencyCode, right.currencyCode]));
  if (compareAmounts(left.amount, right.amount) < 0)
    return err(invalid([{ path: 'amount', message: `${right.amount} is above ${left.amount}` }]));
  return result(sumAmounts([left.amount, `-${right.amount}`]), left.currencyCode, 'amount');
};

/** The lesser of two amounts of one currency (e.g. a payment capped at the order total). */
export const minMoney = (left: Money, right: Money): Result<Money, MoneyError> => {
  const problems = [...moneyProblems(left, 'left'), ...moneyProblems(right, 'right')];
  if (problems.length > 0) return err(invalid(problems));
  if (left.currencyCode !== right.currencyCode)
    return err(mixedCurrencies([left.currencyCode, right.currencyCode]));
  return ok(compareAmounts(left.amount, right.amount) <= 0 ? left : right);
};

/** An amount times a quantity (a non-negative safe integer). */
export const multiplyMoney = (value: Money, quantity: number): Result<Money, MoneyError> => {
  const problems = moneyProblems(value, 'value');
  if (!Number.isSafeInteger(quantity) || quantity < 0)
    problems.push({ path: 'quantity', message: 'must be a non-negative integer' });
  if (problems.length > 0) return err(invalid(problems));
  return result(timesAmount(value.amount, quantity), value.currencyCode, 'amount');
};

/** The sum of amounts that all use `currencyCode` (0 for none). */
export const sumMoney = (
  values: readonly Money[],
  currencyCode: string,
): Result<Money, MoneyError> => {
  const problems = [
    ...moneyProblems({ amount: '0', currencyCode }, ''),
    ...values.flatMap((value, index) => moneyProblems(value, String(index))),
  ];
  if (problems.length > 0) return err(invalid(problems));
  const currencies = values.map((value) => value.currencyCode);
  if (currencies.some((code) => code !== currencyCode))
    return err(mixedCurrencies([currencyCode, ...currencies]));
  return result(sumAmounts(values.map((value) => value.amount)), currencyCode, 'amount');
};

/** At least the currency's ISO 4217 minor-unit digits, more when the amount has them, never an exponent. */
export const formatAmount = (value: Money): string =>
  renderAmount(value.amount, minorUnits(value.currencyCode));

export const moneyToJson = (value: Money): MoneyJson => ({
  amount: formatAmount(value),
  currencyCode: value.currencyCode,
});

/** Money from its JSON form, checked like `money(...)`. */
export const moneyFromJson = (value: MoneyJson): Result<Money, MoneyError> =>
  money(value.amount, value.currencyCode);
