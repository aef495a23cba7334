import { randomBytes } from 'node:crypto';
import { ListOrdersQuerySchema, type OrderSummary } from '@oms/domain';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgOrderStore } from '../createPgOrderStore.js';
import { MIGRATIONS } from '../migrations/migrations.js';
import { runMigrations } from '../migrations/runMigrations.js';
import { createPool } from '../pool.js';
import { databaseUrlFor } from '../testing/createTestDatabase.js';

const name = `oms_test_m10_${randomBytes(5).toString('hex')}`;
const admin = async (sql: string) => {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
};

const summaryOf = (n: number, email: string): OrderSummary => ({
  id: `0190d7a0-0000-7000-8000-00000000000${n}`,
  status: n === 1 ? 'CONFIRMED' : 'DRAFT',
  channel: 'B2B',
  externalId: n === 1 ? 'ext-1' : null,
  customerEmail: email,
  orderTotal: { amount: n === 1 ? '30.00' : '1500', currencyCode: n === 1 ? 'USD' : 'JPY' },
  lineCount: n,
  version: n,
  createdAt: `2026-01-0${n}T10:00:00.000Z`,
  updatedAt: `2026-01-0${n}T11:00:00.000Z`,
});

describe('migration 10: the compact order read model', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    pool = createPool(databaseUrlFor(inject('databaseUrl'), name), { max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('carries the rows of the previous layout over: listed with the same summaries, filtered by lowercase email', async () => {
    await runMigrations(
      pool,
      MIGRATIONS.filter((migration) => migration.version < 10),
    );
    const summaries = [summaryOf(1, 'Grace.Hopper@Example.com'), summaryOf(2, 'ada@example.com')];
    for (const summary of summaries)
      await pool.query(
        `INSERT INTO oms_orders (id, status, channel, customer_email, created_at, updated_at, version, summary, document)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '{"a": "whole order"}')`,
        [
          summary.id,
          summary.status,
          summary.channel,
          summary.customerEmail.toLowerCase(),
          summary.createdAt,
          summary.updatedAt,
          summary.version,
          JSON.stringify(summary),
        ],
      );
    // A row of a non-UUID stream (only tests wrote those; no API reaches them) is left behind, not a failed upgrade.
    await pool.query(
      `INSERT INTO oms_orders (id, status, channel, customer_email, created_at, updated_at, version, summary, document)
       VALUES ('order-1', 'DRAFT', 'B2B', 'x@example.com', now(), now(), 1, '{}', '{}')`,
    );
    expect((await runMigrations(pool)).applied).toContain(10);
    const { queries } = createPgOrderStore({ pool });
    const page = (
      await queries.listOrders(ListOrdersQuerySchema.parse({ channel: 'B2B' }))
    )._unsafeUnwrap();
    expect(page.data).toEqual([...summaries].reverse());
    const byEmail = (
      await queries.listOrders(
        ListOrdersQuerySchema.parse({
          customerEmail: 'GRACE.hopper@example.com',
          status: 'CONFIRMED',
        }),
      )
    )._unsafeUnwrap();
    expect(byEmail.data).toEqual([summaries[0]]);
    const columns = await pool.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'oms_orders'",
    );
    expect(columns.rows.map((row) => row.column_name)).not.toContain('document');
    expect(columns.rows.map((row) => row.column_name)).not.toContain('summary');
  });
});
