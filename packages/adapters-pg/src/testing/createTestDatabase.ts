import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runMigrations } from '../migrations/runMigrations.js';
import { createPool } from '../pool.js';

export interface TestDatabase {
  /** URL of the fresh database. */
  readonly url: string;
  /** A pool on it (migrations applied). Ended by `drop()`. */
  readonly pool: pg.Pool;
  /** Ends the pool and drops the database. */
  drop(): Promise<void>;
}

export const databaseUrlFor = (baseUrl: string, database: string): string => {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

const adminQuery = async (baseUrl: string, sql: string): Promise<void> => {
  const client = new pg.Client({ connectionString: baseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
};

/** A new database `oms_test_<random>` on the server at `baseUrl`, migrated, so that test files never collide. */
export const createTestDatabase = async (
  baseUrl: string,
  { max = 5 }: { readonly max?: number } = {},
): Promise<TestDatabase> => {
  const name = `oms_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(baseUrl, `CREATE DATABASE ${name}`);
  const url = databaseUrlFor(baseUrl, name);
  const pool = createPool(url, { max });
  await runMigrations(pool);
  let dropped = false;
  return {
    url,
    pool,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await pool.end().catch(() => undefined);
      await adminQuery(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
};
