import type { Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { commands } from '../../test/builders.js';
import { ORDER_INPUT_SCHEMAS } from '../application/orderRequests.js';
import { fold } from '../order/order.evolve.js';
import { toOrderView } from '../order/order.view.js';
import { given } from '../testing/orderSpecification.js';
import {
  DECIMAL_AMOUNT,
  formatAmount,
  money,
  moneyFromJson,
  moneyToJson,
  multiplyMoney,
  sumMoney,
} from './money.js';
import { AmountSchema } from './schemas.js';
import { parseInput } from './validation.js';

const must = <T>(result: Result<T, unknown>): T => result._unsafeUnwrap();
const usd = (amount: string) => must(money(amount, 'USD'));

describe('Money: the spec §1 table', () => {
  it.each([
    { quantity: 2, unit: '29.99', currency: 'USD', total: '59.98' },
    { quantity: 3, unit: '10', currency: 'USD', total: '30.00' },
    { quantity: 3, unit: '500', currency: 'JPY', total: '1500' },
    { quantity: 3, unit: '0.125', currency: 'USD', total: '0.375' },
    { quantity: 3, unit: '1.5', currency: 'BHD', total: '4.500' },
    { quantity: 1, unit: '0.001', currency: 'BHD', total: '0.001' },
    { quantity: 7, unit: '0.0001', currency: 'BHD', total: '0.0007' },
    { quantity: 1, unit: '0', currency: 'USD', total: '0.00' },
    { quantity: 3, unit: '0.1', currency: 'USD', total: '0.30' },
    { quantity: 1, unit: '29.9900', currency: 'USD', total: '29.99' },
  ])('$quantity × $unit $currency renders "$total"', ({ quantity, unit, currency, total }) => {
    expect(formatAmount(must(multiplyMoney(must(money(unit, currency)), quantity)))).toBe(total);
  });

  it('is exact where binary floats are not (0.1 + 0.2)', () => {
    const total = must(sumMoney([usd('0.1'), usd('0.2')], 'USD'));
    expect(moneyToJson(total)).toEqual({ amount: '0.30', currencyCode: 'USD' });
  });

  it('multiplies exactly up to the 15-digit bound, with no exponent', () => {
    // checked against integer arithmetic: 1234567890123 × 999999 / 10^4
    const exact = (1234567890123n * 999_999n).toString();
    const product = must(multiplyMoney(must(money('123456789.0123', 'JPY')), 999_999));
    expect(formatAmount(product)).toBe(`${exact.slice(0, -4)}.${exact.slice(-4)}`);
    const largest = must(multiplyMoney(usd('999999999999999.9999'), 1));
    expect(formatAmount(largest)).toBe('999999999999999.9999');
    expect(formatAmount(largest)).not.toMatch(/e/i);
  });

  it('renders tiny amounts without an exponent', () => {
    expect(formatAmount(must(money('0.0001', 'JPY')))).toBe('0.0001');
    expect(formatAmount(must(multiplyMoney(usd('0.0001'), 1)))).toBe('0.0001');
  });

  it('round-trips through its JSON form', () => {
    const value = must(moneyFromJson({ amount: '12.3400', currencyCode: 'EUR' }));
    expect(moneyToJson(value)).toEqual({ amount: '12.34', currencyCode: 'EUR' });
  });

  it('shows the rendering in an order view: line totals and the order total', () => {
    const base = commands.CreateOrder();
    const { state } = given()
      .when({
        ...base,
        data: {
          ...base.data,
          lines: [
            {
              ...base.data.lines[0]!,
              quantity: 3,
              unitPrice: { amount: '500', currencyCode: 'JPY' },
            },
            {
              ...base.data.lines[1]!,
              quantity: 3,
              unitPrice: { amount: '0.125', currencyCode: 'JPY' },
            },
          ],
        },
      })
      .thenMatches([{ type: 'order.created' }])
      .reduce((acc, event) => ({ state: fold([event], acc.state) }), { state: fold([]) });
    if (state.status === 'NONE') throw new Error('expected an order');
    const view = toOrderView(state);
    expect(view.lines.map((line) => line.lineTotal.amount)).toEqual(['1500', '0.375']);
    expect(view.orderTotal).toEqual({ amount: '1500.375', currencyCode: 'JPY' });
  });
});

describe('Money input', () => {
  const amount = (value: unknown) => AmountSchema.safeParse(value);

  it.each([['59.98'], ['0'], ['0.0001'], ['999999999999999.9999'], [' 12.5 ']])(
    'accepts %j',
    (value) => {
      expect(amount(value).success).toBe(true);
    },
  );

  it('reads a JSON number through its shortest decimal form', () => {
    expect(amount(12.5).data).toBe('12.5');
    expect(amount(0.1).data).toBe('0.1');
  });

  it.each([
    ['-1', 'negative'],
    ['-0.01', 'negative'],
    ['1.12345', 'five fraction digits'],
    ['1000000000000000', '16 integer digits'],
    ['1e3', 'an exponent'],
    ['NaN', 'NaN text'],
    [Number.NaN, 'a NaN number'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [1e21, 'a number that prints with an exponent'],
    [-5, 'a negative number'],
    ['', 'empty'],
    ['01.5', 'a leading zero'],
    ['1.', 'a trailing point'],
    ['.5', 'no integer part'],
    ['1,5', 'a comma'],
    ['١٢', 'non-ASCII digits'],
    [null, 'null'],
    [true, 'a boolean'],
  ])('refuses %j (%s)', (value, _why) => {
    expect(amount(value).success).toBe(false);
  });

  it('holds the 15 + 4 digit rule in its pattern', () => {
    expect(DECIMAL_AMOUNT.test('123456789012345.1234')).toBe(true);
    expect(DECIMAL_AMOUNT.test('1234567890123456')).toBe(false);
  });

  it('normalises the currency code to upper case and refuses unknown codes', () => {
    const schema = ORDER_INPUT_SCHEMAS.AddLine;
    const line = { sku: 'S', productName: 'P', quantity: 1 };
    expect(
      parseInput(schema, {
        ...line,
        unitPrice: { amount: '1', currencyCode: 'eur' },
      })._unsafeUnwrap().unitPrice.currencyCode,
    ).toBe('EUR');
    for (const currencyCode of ['ABC', 'US', 'USDD', '', 'XYZ', 12])
      expect(
        parseInput(schema, {
          ...line,
          unitPrice: { amount: '1', currencyCode },
        })._unsafeUnwrapErr(),
      ).toMatchObject({
        code: 'validation-failed',
        errors: [{ path: 'unitPrice.currencyCode' }],
      });
  });
});
