import { createPgOrderStore, createTestDatabase } from '@oms/adapters-pg';
import { inject } from 'vitest';
import { hostileInputScenarios } from './testing/hostileInputScenarios.js';

hostileInputScenarios(
  'hostile input on PostgreSQL',
  async () => {
    const db = await createTestDatabase(inject('databaseUrl'));
    return { ...createPgOrderStore({ pool: db.pool }), teardown: () => db.drop() };
  },
  { runs: 150 },
);
