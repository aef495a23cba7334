import { Decimal } from 'decimal.js';
import type { Result } from 'neverthrow';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../test/builders.js';
import * as domain from '../index.js';
import { fold } from '../order/order.evolve.js';
import { toOrderView } from '../order/order.view.js';
import { given } from '../testing/orderSpecification.js';
import { isCurrencyCode, minorUnits } from './currencies.js';
import {
  addMoney,
  formatAmount,
  type Money,
  minMoney,
  money,
  moneyFromJson,
  multiplyMoney,
  subtractMoney,
  sumMoney,
  zeroMoney,
} from './money.js';

const must = <T>(result: Result<T, unknown>): T => result._unsafeUnwrap();
const usd = (amount: string) => must(money(amount, 'USD'));

describe('Currencies per ISO 4217 (not Intl/CLDR)', () => {
  it.each([
    ['HUF', 2, '1.00'],
    ['IQD', 3, '1.000'],
    ['JPY', 0, '1'],
    ['CLF', 4, '1.0000'],
    ['USD', 2, '1.00'],
    ['BHD', 3, '1.000'],
  ])('%s has %i minor units: 1 renders "%s"', (code, digits, rendered) => {
    expect(minorUnits(code)).toBe(digits);
    expect(formatAmount(must(money('1', code)))).toBe(rendered);
  });

  it('refuses withdrawn codes (HRK, SLL) and codes not in upper case', () => {
    for (const code of ['HRK', 'SLL', 'usd', 'US', 'XYZ', ''])
      expect({ code, known: isCurrencyCode(code) }).toEqual({ code, known: false });
    expect(money('1', 'HRK')._unsafeUnwrapErr()).toMatchObject({
      code: 'validation-failed',
      errors: [{ path: 'currencyCode' }],
    });
  });

  it('renders an amount of a code it does not know (an old stored HRK order) with 2 digits, never failing', () => {
    expect(formatAmount({ amount: '5', currencyCode: 'HRK' })).toBe('5.00');
  });
});

describe('Money helpers return Results and keep the spec §1 rules', () => {
  it.each([
    ['-5', 'negative'],
    ['0x10', 'hex'],
    ['1e3', 'an exponent'],
    [' 1', 'a leading blank'],
    ['1 ', 'a trailing blank'],
    ['', 'empty'],
    ['0.00001', 'five fraction digits'],
    ['1000000000000000', '16 integer digits'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['01', 'a leading zero'],
  ])('money(%j) is refused (%s)', (amount) => {
    expect(money(amount, 'USD')._unsafeUnwrapErr()).toMatchObject({
      code: 'validation-failed',
      errors: [{ path: 'amount' }],
    });
  });

  it('names every problem at once', () => {
    expect(money('-1', 'usd')._unsafeUnwrapErr()).toMatchObject({
      code: 'validation-failed',
      errors: [{ path: 'amount' }, { path: 'currencyCode' }],
    });
  });

  it('refuses to add or sum mixed currencies', () => {
    const eur = must(money('1', 'EUR'));
    expect(addMoney(usd('1'), eur)._unsafeUnwrapErr()).toMatchObject({
      code: 'mixed-currencies',
      currencies: ['EUR', 'USD'],
    });
    expect(sumMoney([usd('1'), eur], 'USD')._unsafeUnwrapErr().code).toBe('mixed-currencies');
    expect(must(addMoney(usd('1'), usd('2.5')))).toEqual({ amount: '3.5', currencyCode: 'USD' });
  });

  it('refuses a result beyond 15 integer digits rather than rounding it', () => {
    const large = usd('999999999999999');
    expect(addMoney(large, usd('1'))._unsafeUnwrapErr().code).toBe('validation-failed');
    expect(multiplyMoney(large, 2)._unsafeUnwrapErr().code).toBe('validation-failed');
    expect(sumMoney([large, large], 'USD')._unsafeUnwrapErr().code).toBe('validation-failed');
  });

  it('refuses a negative or fractional quantity', () => {
    for (const quantity of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(multiplyMoney(usd('1'), quantity)._unsafeUnwrapErr()).toMatchObject({
        errors: [{ path: 'quantity' }],
      });
  });

  it('checks operands built by hand, not only through money(...)', () => {
    const forged: Money = { amount: '-3.123456', currencyCode: 'usd' };
    expect(addMoney(forged, usd('1'))._unsafeUnwrapErr()).toMatchObject({
      errors: [{ path: 'left.amount' }, { path: 'left.currencyCode' }],
    });
    expect(multiplyMoney(forged, 1).isErr()).toBe(true);
    expect(sumMoney([forged], 'USD').isErr()).toBe(true);
    expect(moneyFromJson({ amount: '0x10', currencyCode: 'USD' }).isErr()).toBe(true);
  });

  it('gives zero in a currency, and refuses zero in an unknown one', () => {
    expect(must(zeroMoney('JPY'))).toEqual({ amount: '0', currencyCode: 'JPY' });
    expect(zeroMoney('HRK').isErr()).toBe(true);
  });
});

describe('No mutable Decimal', () => {
  afterEach(() => {
    Decimal.set({ precision: 20, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -7, toExpPos: 21 });
  });

  it('is not exported', () => {
    expect('Decimal' in domain).toBe(false);
  });

  it("keeps totals exact when a consumer sets decimal.js's precision to 3", () => {
    Decimal.set({ precision: 3, rounding: Decimal.ROUND_DOWN, toExpPos: 2 });
    expect(formatAmount(must(multiplyMoney(usd('29.99'), 2)))).toBe('59.98');
    expect(must(sumMoney([usd('1234.5678'), usd('0.0001')], 'USD')).amount).toBe('1234.5679');
    const base = commands.CreateOrder();
    const [created] = given()
      .when(base)
      .thenMatches([{ type: 'order.created' }]);
    const state = fold(created ? [created] : []);
    if (state.status === 'NONE') throw new Error('expected an order');
    // 2 × 29.99 + 3 × 10
    expect(toOrderView(state).orderTotal).toEqual({ amount: '89.98', currencyCode: 'USD' });
  });
});

describe('subtractMoney and minMoney (the Shopify payment cap)', () => {
  it('subtracts exactly and refuses a negative result', () => {
    expect(must(subtractMoney(usd('10.10'), usd('0.1')))).toEqual(usd('10'));
    expect(must(subtractMoney(usd('5'), usd('5')))).toEqual(usd('0'));
    expect(subtractMoney(usd('1'), usd('1.01'))._unsafeUnwrapErr().code).toBe('validation-failed');
    expect(subtractMoney(usd('1'), must(money('1', 'EUR')))._unsafeUnwrapErr().code).toBe(
      'mixed-currencies',
    );
  });

  it('takes the lesser of two amounts of one currency', () => {
    expect(must(minMoney(usd('226.00'), usd('199.00')))).toEqual(usd('199'));
    expect(must(minMoney(usd('0.5'), usd('199')))).toEqual(usd('0.5'));
    expect(minMoney(usd('1'), must(money('1', 'EUR')))._unsafeUnwrapErr().code).toBe(
      'mixed-currencies',
    );
  });
});
