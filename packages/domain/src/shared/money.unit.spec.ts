import { describe, expect, it } from 'vitest';
import { commands } from '../../test/builders.js';
import { ORDER_INPUT_SCHEMAS } from '../application/orderRequests.js';
import { fold } from '../order/order.evolve.js';
import { toOrderView } from '../order/order.view.js';
import { given } from '../testing/orderSpecification.js';
import {
  DECIMAL_AMOUNT,
  formatAmount,
  minorUnits,
  money,
  moneyFromJson,
  moneyToJson,
  multiplyMoney,
  sumMoney,
} from './money.js';
import { AmountSchema } from './schemas.js';
import { parseInput } from './validation.js';

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
    expect(formatAmount(multiplyMoney(money(unit, currency), quantity))).toBe(total);
  });

  it('knows minor units from Intl: USD 2, JPY 0, BHD 3', () => {
    expect([minorUnits('USD'), minorUnits('JPY'), minorUnits('BHD'), minorUnits('EUR')]).toEqual([
      2, 0, 3, 2,
    ]);
  });

  it('is exact where binary floats are not (0.1 + 0.2)', () => {
    const total = sumMoney([money('0.1', 'USD'), money('0.2', 'USD')], 'USD');
    expect(moneyToJson(total)).toEqual({ amount: '0.30', currencyCode: 'USD' });
  });

  it('multiplies 15 integer digits by a quantity of 1,000,000 exactly, with no exponent', () => {
    const unit = money('999999999999999.9999', 'USD');
    const line = multiplyMoney(unit, 1_000_000);
    expect(formatAmount(line)).toBe('999999999999999999900.00');
    const fiveHundredLines = sumMoney(
      Array.from({ length: 500 }, () => line),
      'USD',
    );
    expect(formatAmount(fiveHundredLines)).toBe('499999999999999999950000.00');
    // checked against integer arithmetic: 1234567890123456789 × 999999 / 10^4
    const exact = (1234567890123456789n * 999_999n).toString();
    expect(formatAmount(multiplyMoney(money('123456789012345.6789', 'JPY'), 999_999))).toBe(
      `${exact.slice(0, -4)}.${exact.slice(-4)}`,
    );
    for (const text of [formatAmount(line), formatAmount(fiveHundredLines)])
      expect(text).not.toMatch(/e/i);
  });

  it('renders tiny amounts without an exponent', () => {
    expect(formatAmount(money('0.0001', 'JPY'))).toBe('0.0001');
    expect(formatAmount(multiplyMoney(money('0.0001', 'USD'), 1))).toBe('0.0001');
  });

  it('round-trips through its JSON form', () => {
    const value = moneyFromJson({ amount: '12.3400', currencyCode: 'EUR' });
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
