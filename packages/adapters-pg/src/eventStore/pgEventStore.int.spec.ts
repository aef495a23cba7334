import { eventStoreContract } from '@oms/domain/testing';
import { afterAll, beforeAll, inject } from 'vitest';
import { createPgOrderStore } from '../createPgOrderStore.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
});
afterAll(async () => {
  await db?.drop();
});

eventStoreContract('postgres', async () => createPgOrderStore({ pool: db.pool }));
