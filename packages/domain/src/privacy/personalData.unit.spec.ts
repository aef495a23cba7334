import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderFixtures } from '../testing/fixtures.js';
import { ERASED, erasePersonalData, mergePersonalData, splitPersonalData } from './personalData.js';

const created = {
  orderId: '0190a5c0-0000-7000-8000-000000000001',
  customer: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+44 1' },
  shippingAddress: { street: '12 Row', city: 'London', postalCode: 'N1', country: 'GB' },
  billingAddress: {
    street: '1 Bank',
    street2: 'Flat 2',
    city: 'Leeds',
    postalCode: 'L1',
    country: 'GB',
  },
  lines: [{ sku: 'SKU-1', quantity: 1 }],
};

describe('personal data of stored events', () => {
  it('splits names, email, phone and addresses (not the country) from the rest', () => {
    const { plain, personal } = splitPersonalData('order.created', created);
    expect(plain).toEqual({
      ...created,
      customer: { firstName: ERASED, lastName: ERASED, email: ERASED, phone: ERASED },
      shippingAddress: { street: ERASED, city: ERASED, postalCode: ERASED, country: 'GB' },
      billingAddress: {
        street: ERASED,
        street2: ERASED,
        city: ERASED,
        postalCode: ERASED,
        country: 'GB',
      },
    });
    expect(JSON.stringify(plain)).not.toMatch(/Ada|Lovelace|example|London|Row|Leeds|Flat/);
    expect(personal?.customer?.email).toBe('ada@example.com');
  });

  it('puts them back unchanged', () => {
    const { plain, personal } = splitPersonalData('order.created', created);
    expect(personal).toBeDefined();
    expect(mergePersonalData(plain, personal ?? {})).toEqual(created);
  });

  it('round-trips any strings in any personal field', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('firstName', 'email', 'phone', 'x'), fc.string()),
        fc.dictionary(fc.constantFrom('street', 'city', 'country', 'state'), fc.string()),
        (customer, shippingAddress) => {
          const data = { customer, shippingAddress };
          const { plain, personal } = splitPersonalData('order.created', data);
          const back = personal ? mergePersonalData(plain, personal) : plain;
          // a value that already reads "[erased]" stays so; everything else comes back as it was
          expect(back).toEqual(data);
        },
      ),
    );
  });

  it('leaves events without personal data alone', () => {
    const shipped = { orderId: 'o', shipmentId: 's' };
    expect(splitPersonalData('order.shipped', shipped)).toEqual({
      plain: shipped,
      personal: undefined,
    });
    expect(erasePersonalData('order.shipping_address_changed', { orderId: 'o' })).toEqual({
      orderId: 'o',
    });
  });

  it('erases the seed order so that no input string is left but the country', () => {
    const body = orderFixtures.seedCreateOrderBody() as {
      customer: Record<string, string>;
      shippingAddress: Record<string, string>;
    };
    const erased = JSON.stringify(erasePersonalData('order.created', body));
    for (const value of Object.values(body.customer)) expect(erased).not.toContain(value);
    for (const [key, value] of Object.entries(body.shippingAddress))
      if (key !== 'country') expect(erased).not.toContain(`"${value}"`);
  });
});
