import { createPgOrderStore, createTestDatabase } from '@oms/adapters-pg';
import { inject } from 'vitest';
import { shopifyPaymentScenarios } from './testing/shopifyPaymentScenarios.js';
import { shopifyScenarios } from './testing/shopifyScenarios.js';

shopifyScenarios('Shopify webhook on PostgreSQL', async () => {
  const db = await createTestDatabase(inject('databaseUrl'));
  return { ...createPgOrderStore({ pool: db.pool }), teardown: () => db.drop() };
});

shopifyPaymentScenarios('Shopify payments on PostgreSQL', async () => {
  const db = await createTestDatabase(inject('databaseUrl'));
  return { ...createPgOrderStore({ pool: db.pool }), teardown: () => db.drop() };
});
