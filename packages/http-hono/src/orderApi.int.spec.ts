import { createPgOrderStore, createTestDatabase } from '@oms/adapters-pg';
import { inject } from 'vitest';
import { holdsPaymentScenarios } from './testing/holdsPaymentScenarios.js';
import { httpProtocolScenarios } from './testing/httpProtocolScenarios.js';
import { orderApiScenarios } from './testing/orderApiScenarios.js';

orderApiScenarios('order API on PostgreSQL', async () => {
  const db = await createTestDatabase(inject('databaseUrl'), { max: 10 });
  return { ...createPgOrderStore({ pool: db.pool }), teardown: () => db.drop() };
});

httpProtocolScenarios('HTTP protocol on PostgreSQL', async () => {
  const db = await createTestDatabase(inject('databaseUrl'));
  return { ...createPgOrderStore({ pool: db.pool }), teardown: () => db.drop() };
});

holdsPaymentScenarios('holds and payments on PostgreSQL', async () => {
  const db = await createTestDatabase(inject('databaseUrl'));
  return { ...createPgOrderStore({ pool: db.pool }), teardown: () => db.drop() };
});
