import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../pool.js';
import { databaseUrlFor } from '../testing/createTestDatabase.js';
import { MIGRATIONS } from './migrations.js';
import { runMigrations } from './runMigrations.js';

const name = `oms_test_mig_${randomBytes(5).toString('hex')}`;
const admin = () => new pg.Client({ connectionString: inject('databaseUrl') });

afterAll(async () => {
  const client = admin();
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
});

describe('runMigrations', () => {
  it('applies every migration once when two processes migrate at the same time, and is idempotent', async () => {
    const client = admin();
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    const url = databaseUrlFor(inject('databaseUrl'), name);
    const pools = [createPool(url, { max: 2 }), createPool(url, { max: 2 })];
    try {
      const reports = await Promise.all(pools.map((pool) => runMigrations(pool)));
      const applied = reports.flatMap((report) => report.applied).sort((a, b) => a - b);
      expect(applied).toEqual(MIGRATIONS.map((migration) => migration.version));
      const latest = Math.max(...MIGRATIONS.map((migration) => migration.version));
      expect(reports.map((report) => report.current)).toEqual([latest, latest]);
      const again = await runMigrations(pools[0] as pg.Pool);
      expect(again.applied).toEqual([]);
      const rows = await (pools[0] as pg.Pool).query(
        'SELECT version FROM oms_schema_migrations ORDER BY version',
      );
      expect(rows.rows.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
