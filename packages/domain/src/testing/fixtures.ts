import type { OrderCommandOf } from '../order/order.commands.js';
import { uuidv7 } from '../shared/ids.js';

/** The seed's example request body: `firstName`/`street` shape, one line, 2 × 29.99 USD. */
const seedCreateOrderBody = () => ({
  customer: {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    phone: '+44 20 7946 0000',
  },
  shippingAddress: {
    street: '12 Analytical Row',
    city: 'London',
    state: 'LDN',
    postalCode: 'N1 9GU',
    country: 'GB',
  },
  lines: [
    {
      sku: 'SKU-001',
      productName: 'Difference Engine Manual',
      quantity: 2,
      unitPrice: { amount: '29.99', currencyCode: 'USD' },
    },
  ],
});

const NOW = '2026-01-15T10:00:00.000Z';

const createOrder = (
  overrides: Partial<OrderCommandOf<'CreateOrder'>['data']> = {},
  now = NOW,
): OrderCommandOf<'CreateOrder'> => ({
  type: 'CreateOrder',
  data: {
    orderId: uuidv7(),
    channel: 'DIRECT',
    customer: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
    shippingAddress: {
      street: '12 Analytical Row',
      city: 'London',
      postalCode: 'N1 9GU',
      country: 'GB',
    },
    lines: [
      {
        lineId: uuidv7(),
        sku: 'SKU-001',
        productName: 'Difference Engine Manual',
        quantity: 2,
        unitPrice: { amount: '29.99', currencyCode: 'USD' },
      },
    ],
    ...overrides,
  },
  metadata: { now },
});

export const orderFixtures = { seedCreateOrderBody, createOrder, NOW };
