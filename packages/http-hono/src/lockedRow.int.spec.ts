import { createPgOrderStore, createPool, createTestDatabase, pingDatabase } from '@oms/adapters-pg';
import { orderFixtures } from '@oms/domain/testing';
import { pino } from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { createApp } from './createApp.js';
import { call } from './testing/apiClient.js';

const LOCK_TIMEOUT_MS = 500;
const STATEMENT_TIMEOUT_MS = 2_000;

describe('a row locked by another session', () => {
  it('answers 5 confirms with 503 within the session timeouts while GET, list and /ready keep working', async () => {
    const db = await createTestDatabase(inject('databaseUrl'), { max: 2 });
    const pool = createPool(db.url, {
      max: 10,
      lockTimeoutMillis: LOCK_TIMEOUT_MS,
      statementTimeoutMillis: STATEMENT_TIMEOUT_MS,
    });
    const locker = await db.pool.connect();
    try {
      const store = createPgOrderStore({ pool });
      const app = createApp(
        { ...store, ready: async () => (await pingDatabase(pool)).isOk() },
        { logger: pino({ level: 'silent' }) },
      );
      const created = await call(app, 'POST', '/v1/orders', {
        body: orderFixtures.seedCreateOrderBody(),
      });
      expect(created.status).toBe(201);
      const id: string = created.json.id;

      await locker.query('BEGIN');
      await locker.query('SELECT * FROM oms_orders WHERE id = $1 FOR UPDATE', [id]);
      const started = Date.now();
      const confirms = Array.from({ length: 5 }, () =>
        call(app, 'POST', `/v1/orders/${id}/confirm`).then((response) => ({
          response,
          after: Date.now() - started,
        })),
      );
      // While the confirms wait on the lock, reads and readiness answer from the other connections.
      const [order, list, ready] = await Promise.all([
        call(app, 'GET', `/v1/orders/${id}`),
        call(app, 'GET', '/v1/orders?limit=5'),
        call(app, 'GET', '/ready'),
      ]);
      expect([order.status, list.status, ready.status]).toEqual([200, 200, 200]);
      expect(order.json.status).toBe('DRAFT');

      const bounded = await Promise.race([
        Promise.all(confirms),
        new Promise<'still waiting'>((resolve) =>
          setTimeout(() => resolve('still waiting'), 5 * STATEMENT_TIMEOUT_MS),
        ),
      ]);
      expect(bounded).not.toBe('still waiting');
      if (bounded === 'still waiting') return;
      for (const { response, after } of bounded) {
        expect(response.status).toBe(503);
        expect(response.json.code).toBe('service-unavailable');
        expect(after).toBeLessThan(2 * STATEMENT_TIMEOUT_MS);
      }
      await locker.query('ROLLBACK');
      const confirmed = await call(app, 'POST', `/v1/orders/${id}/confirm`);
      expect(confirmed.status).toBe(200);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
      await pool.end();
      await db.drop();
    }
  });
});
