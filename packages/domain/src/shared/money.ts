import { Decimal as BaseDecimal } from 'decimal.js';

/** Enough significant digits for 15 integer + 4 fraction digits times a quantity of 10^6, and sums of 500 lines. */
export const Decimal = BaseDecimal.clone({
  precision: 60,
  rounding: BaseDecimal.ROUND_HALF_EVEN,
  toExpNeg: -60,
  toExpPos: 60,
});
export type Decimal = BaseDecimal;

export const MAX_INTEGER_DIGITS = 15;
export const MAX_FRACTION_DIGITS = 4;

let currencies: ReadonlySet<string> | undefined;
const knownCurrencies = (): ReadonlySet<string> => {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies;
};

export const isCurrencyCode = (code: string): boolean =>
  /^[A-Z]{3}$/.test(code) && knownCurrencies().has(code);

const minorUnitCache = new Map<string, number>();
/** ISO 4217 minor units as the platform's Intl data knows them (USD 2, JPY 0, BHD 3). */
export const minorUnits = (currencyCode: string): number => {
  let digits = minorUnitCache.get(currencyCode);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency: currencyCode }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    minorUnitCache.set(currencyCode, digits);
  }
  return digits;
};

export interface Money {
  readonly amount: Decimal;
  readonly currencyCode: string;
}

/** Money as it travels: a decimal string, never a binary float. */
export interface MoneyJson {
  readonly amount: string;
  readonly currencyCode: string;
}

export const DECIMAL_AMOUNT = /^(?:0|[1-9]\d{0,14})(?:\.\d{1,4})?$/;

export const money = (amount: BaseDecimal.Value, currencyCode: string): Money => ({
  amount: new Decimal(amount),
  currencyCode,
});

export const zeroMoney = (currencyCode: string): Money => money(0, currencyCode);

export const addMoney = (left: Money, right: Money): Money =>
  money(left.amount.plus(right.amount), left.currencyCode);

export const multiplyMoney = (value: Money, quantity: number): Money =>
  money(value.amount.times(quantity), value.currencyCode);

/** At least the currency's minor-unit digits, more when the amount has them, never an exponent. */
export const formatAmount = (value: Money): string =>
  value.amount.toFixed(Math.max(minorUnits(value.currencyCode), value.amount.decimalPlaces()));

export const moneyToJson = (value: Money): MoneyJson => ({
  amount: formatAmount(value),
  currencyCode: value.currencyCode,
});

export const moneyFromJson = (value: MoneyJson): Money => money(value.amount, value.currencyCode);

export const sumMoney = (values: readonly Money[], currencyCode: string): Money =>
  values.reduce(addMoney, zeroMoney(currencyCode));
