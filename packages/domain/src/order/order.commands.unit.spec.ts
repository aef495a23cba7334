import { describe, expect, it } from 'vitest';
import { ORDER_INPUT_SCHEMAS, toCommand } from '../application/orderRequests.js';
import { isCountryCode } from '../shared/countries.js';
import { TimestampSchema } from '../shared/schemas.js';
import { parseInput } from '../shared/validation.js';
import { orderFixtures } from '../testing/fixtures.js';
import { ORDER_COMMAND_SCHEMAS } from './order.commands.js';
import { decide } from './order.decide.js';
import { initialState } from './order.state.js';

const CreateOrder = ORDER_INPUT_SCHEMAS.CreateOrder;
const body = orderFixtures.seedCreateOrderBody;
const line = (overrides: Record<string, unknown> = {}) => ({
  sku: 'SKU-1',
  productName: 'Thing',
  quantity: 1,
  unitPrice: { amount: '1.00', currencyCode: 'USD' },
  ...overrides,
});
const paths = (input: unknown): string[] => {
  const error = parseInput(CreateOrder, input)._unsafeUnwrapErr();
  return error.code === 'validation-failed' ? error.errors.map((problem) => problem.path) : [];
};

describe('CreateOrder input', () => {
  it("accepts the seed's example verbatim and defaults channel and billing address later", () => {
    const input = parseInput(CreateOrder, body())._unsafeUnwrap();
    expect(input.channel).toBe('DIRECT');
    expect(input.customer).toEqual(body().customer);
    expect(input.shippingAddress).toEqual(body().shippingAddress);
    expect(input.lines[0]?.unitPrice).toEqual({ amount: '29.99', currencyCode: 'USD' });
  });

  it('maps customer.name, split on the last space, to firstName/lastName', () => {
    const input = parseInput(CreateOrder, {
      ...body(),
      customer: { name: 'Jean Claude Van Damme', email: 'jcvd@example.com' },
    })._unsafeUnwrap();
    expect(input.customer).toEqual({
      firstName: 'Jean Claude Van',
      lastName: 'Damme',
      email: 'jcvd@example.com',
    });
  });

  it('refuses a name without a space', () => {
    expect(paths({ ...body(), customer: { name: 'Madonna', email: 'm@example.com' } })).toEqual([
      'customer.name',
    ]);
  });

  it('maps the address aliases line1/line2/stateOrRegion/countryCode to the canonical names', () => {
    const alias = {
      line1: '1 Rue de Rivoli',
      line2: 'Bâtiment B',
      city: 'Paris',
      stateOrRegion: 'IDF',
      postalCode: '75001',
      countryCode: 'fr',
    };
    const input = parseInput(CreateOrder, {
      ...body(),
      shippingAddress: alias,
      billingAddress: alias,
    })._unsafeUnwrap();
    const canonical = {
      street: '1 Rue de Rivoli',
      street2: 'Bâtiment B',
      city: 'Paris',
      state: 'IDF',
      postalCode: '75001',
      country: 'FR',
    };
    expect(input.shippingAddress).toEqual(canonical);
    expect(input.billingAddress).toEqual(canonical);
    expect(Object.keys(input.shippingAddress)).not.toContain('line1');
  });

  it('keeps the billing address equal to the shipping address when omitted (in the created event)', () => {
    const input = parseInput(CreateOrder, body())._unsafeUnwrap();
    const ids = { next: () => '0190a000-0000-7000-8000-000000000123' };
    const command = toCommand(
      { type: 'CreateOrder', input },
      '0190a000-0000-7000-8000-000000000001',
      '2026-01-15T10:00:00.000Z',
      ids,
    );
    expect(ORDER_COMMAND_SCHEMAS.CreateOrder.safeParse(command).success).toBe(true);
    const [created] = decide(command, initialState())._unsafeUnwrap();
    expect(created?.type === 'order.created' && created.data.billingAddress).toEqual(
      input.shippingAddress,
    );
  });

  it('reports every problem at once', () => {
    const result = parseInput(CreateOrder, {
      channel: 'TELEPATHY',
      customer: { firstName: '', email: 'not-an-email' },
      shippingAddress: { city: 'X', postalCode: '1', country: 'XX' },
      lines: [
        line({ quantity: 0 }),
        line({ unitPrice: { amount: '-1', currencyCode: 'USD' } }),
        line({ unitPrice: { amount: '1.12345', currencyCode: 'USD' } }),
        line({ unitPrice: { amount: '1234567890123456', currencyCode: 'USD' } }),
        line({ unitPrice: { amount: '1e3', currencyCode: 'USD' } }),
        line({ unitPrice: { amount: Number.NaN, currencyCode: 'USD' } }),
        line({ unitPrice: { amount: '1', currencyCode: 'QQQ' } }),
        line({ quantity: 1_000_001 }),
        line({ quantity: 1.5 }),
      ],
      metadata: { ['k'.repeat(41)]: 'v' },
    })._unsafeUnwrapErr();
    expect(result.code).toBe('validation-failed');
    if (result.code !== 'validation-failed') throw new Error('unreachable');
    expect(result.message).toMatch(/fields are invalid/);
    expect(result.errors.map((error) => error.path).sort()).toEqual(
      [
        'channel',
        'customer.firstName',
        'customer.email',
        'customer.lastName',
        'shippingAddress.street',
        'shippingAddress.country',
        'lines.0.quantity',
        'lines.1.unitPrice.amount',
        'lines.2.unitPrice.amount',
        'lines.3.unitPrice.amount',
        'lines.4.unitPrice.amount',
        'lines.5.unitPrice.amount',
        'lines.6.unitPrice.currencyCode',
        'lines.7.quantity',
        'lines.8.quantity',
        `metadata.${'k'.repeat(41)}`,
      ].sort(),
    );
    for (const error of result.errors) expect(error.message.length).toBeGreaterThan(0);
  });

  it('refuses 0 lines and 501 lines, accepts 500', () => {
    expect(paths({ ...body(), lines: [] })).toEqual(['lines']);
    expect(paths({ ...body(), lines: Array.from({ length: 501 }, () => line()) })).toEqual([
      'lines',
    ]);
    expect(
      parseInput(CreateOrder, {
        ...body(),
        lines: Array.from({ length: 500 }, () => line()),
      }).isOk(),
    ).toBe(true);
  });

  it('names every missing section of an empty body, and of sections that are not objects', () => {
    expect(paths({}).sort()).toEqual(['customer', 'lines', 'shippingAddress']);
    expect(
      paths({ customer: 'Ada', shippingAddress: null, billingAddress: 7, lines: 'many' }).sort(),
    ).toEqual(['billingAddress', 'customer', 'lines', 'shippingAddress']);
  });

  it('refuses a missing or non-object body', () => {
    for (const input of [undefined, null, 'order', 42, []])
      expect(parseInput(CreateOrder, input)._unsafeUnwrapErr().code).toBe('validation-failed');
  });

  it('enforces the field lengths of spec §1', () => {
    const long = (n: number) => 'x'.repeat(n);
    expect(
      paths({
        ...body(),
        externalId: long(256),
        customer: { ...body().customer, firstName: long(101), phone: long(51) },
        lines: [line({ sku: long(101), productName: long(256) })],
      }).sort(),
    ).toEqual(
      [
        'customer.firstName',
        'customer.phone',
        'externalId',
        'lines.0.productName',
        'lines.0.sku',
      ].sort(),
    );
    const fiftyOneKeys = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(paths({ ...body(), metadata: fiftyOneKeys })).toEqual(['metadata']);
    expect(paths({ ...body(), metadata: { k: long(501) } })).toEqual(['metadata.k']);
  });

  it('gives mixed currencies across lines the mixed-currencies code (from decide)', () => {
    const input = parseInput(CreateOrder, {
      ...body(),
      lines: [line(), line({ unitPrice: { amount: '1', currencyCode: 'EUR' } })],
    })._unsafeUnwrap();
    let n = 0;
    const command = toCommand(
      { type: 'CreateOrder', input },
      '0190a000-0000-7000-8000-000000000001',
      '2026-01-15T10:00:00.000Z',
      { next: () => `0190a000-0000-7000-8000-00000000${String(++n).padStart(4, '0')}` },
    );
    expect(decide(command, initialState())._unsafeUnwrapErr()).toMatchObject({
      code: 'mixed-currencies',
      currencies: ['EUR', 'USD'],
    });
  });
});

describe('country codes (ISO 3166-1 alpha-2 from Intl)', () => {
  it.each(['US', 'GB', 'FR', 'DE', 'JP', 'AQ', 'CW', 'SS', 'gb'])('accepts %s', (code) => {
    expect(
      parseInput(ORDER_INPUT_SCHEMAS.ChangeShippingAddress, {
        street: 's',
        city: 'c',
        postalCode: 'p',
        country: code,
      })._unsafeUnwrap().country,
    ).toBe(code.toUpperCase());
  });

  it('accepts exactly the 249 officially assigned codes among AA–ZZ', () => {
    const letters = Array.from({ length: 26 }, (_, i) => String.fromCharCode(65 + i));
    const codes = letters.flatMap((a) => letters.map((b) => a + b)).filter(isCountryCode);
    expect(codes).toHaveLength(249);
  });

  it.each([
    ['XX', 'unassigned'],
    ['ZZ', 'unknown region'],
    ['EU', 'not a country'],
    ['UN', 'not a country'],
    ['UK', 'exceptionally reserved; an alias of GB'],
    ['YU', 'withdrawn'],
    ['CS', 'withdrawn'],
    ['SU', 'withdrawn'],
    ['AC', 'exceptionally reserved'],
    ['EA', 'exceptionally reserved'],
    ['IC', 'exceptionally reserved'],
    ['USA', 'alpha-3'],
    ['U', 'too short'],
    ['001', 'a UN M49 area'],
    ['', 'empty'],
  ])('refuses %j (%s)', (code) => {
    expect(isCountryCode(code.toUpperCase())).toBe(false);
  });
});

describe('RFC 3339 timestamps', () => {
  it.each([
    ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31T12:00:00.5+02:00', '2026-01-31T10:00:00.500Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2026-12-31T23:59:59.999999999-05:00', '2027-01-01T04:59:59.999Z'],
  ])('accepts %s', (value, iso) => {
    expect(TimestampSchema.parse(value)).toBe(iso);
  });

  it.each([
    '2026-01-31',
    '2026-01-31T12:00:00',
    '2026-01-31 12:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T12:60:00Z',
    'yesterday',
  ])('refuses %s', (value) => {
    expect(TimestampSchema.safeParse(value).success).toBe(false);
  });
});

describe('other inputs', () => {
  it('ship: lines and quantities are optional, each line id must be a UUID', () => {
    expect(parseInput(ORDER_INPUT_SCHEMAS.ShipOrder, {})._unsafeUnwrap()).toEqual({});
    expect(
      parseInput(ORDER_INPUT_SCHEMAS.ShipOrder, {
        lines: [{ lineId: 'nope', quantity: 0 }],
        shippedAt: 'now',
      })._unsafeUnwrapErr().code,
    ).toBe('validation-failed');
    expect(parseInput(ORDER_INPUT_SCHEMAS.ShipOrder, { lines: [] }).isErr()).toBe(true);
  });

  it('cancel: a reason of 1–500 characters', () => {
    expect(parseInput(ORDER_INPUT_SCHEMAS.CancelOrder, {}).isErr()).toBe(true);
    expect(parseInput(ORDER_INPUT_SCHEMAS.CancelOrder, { reason: '  ' }).isErr()).toBe(true);
    expect(parseInput(ORDER_INPUT_SCHEMAS.CancelOrder, { reason: 'x'.repeat(501) }).isErr()).toBe(
      true,
    );
    expect(parseInput(ORDER_INPUT_SCHEMAS.CancelOrder, { reason: 'x'.repeat(500) }).isOk()).toBe(
      true,
    );
  });

  it('change quantity: an integer from 1 to 1,000,000', () => {
    const schema = ORDER_INPUT_SCHEMAS.ChangeLineQuantity;
    for (const quantity of [0, -1, 1.5, 1_000_001, '2', null])
      expect(parseInput(schema, { quantity }).isErr()).toBe(true);
    for (const quantity of [1, 1_000_000])
      expect(parseInput(schema, { quantity }).isOk()).toBe(true);
  });
});
