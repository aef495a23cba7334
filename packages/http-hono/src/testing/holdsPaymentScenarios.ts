import { orderFixtures } from '@oms/domain/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppOptions, createApp, type OrderApp } from '../createApp.js';
import { type ApiResponse, type CallOptions, call, createTestClock } from './apiClient.js';
import { checkResponsesAgainstOpenApi } from './openApiResponses.js';
import type { StoreUnderTest } from './orderApiScenarios.js';

const silent = pino({ level: 'silent' });

/** The seed order's total: 2 × 29.99. */
const usd = (amount: string) => ({ amount, currencyCode: 'USD' });

/**
 * The HTTP scenarios of spec §6 (holds and payments), run against any store: in memory in unit tests, PostgreSQL
 * in integration tests. Every response is checked against /openapi.json.
 */
export const holdsPaymentScenarios = (name: string, setup: () => Promise<StoreUnderTest>): void => {
  describe(name, () => {
    let store: StoreUnderTest;
    const clock = createTestClock();
    const apps = new Map<string, OrderApp>();
    const appWith = (options: AppOptions = {}): OrderApp => {
      const key = JSON.stringify(options);
      let app = apps.get(key);
      if (!app) {
        app = createApp(
          {
            eventStore: store.eventStore,
            idempotency: store.idempotency,
            queries: store.queries,
            clock,
          },
          { logger: silent, ...options },
        );
        checkResponsesAgainstOpenApi(app);
        apps.set(key, app);
      }
      return app;
    };
    const api = (method: string, path: string, options?: CallOptions, app = appWith()) =>
      call(app, method, path, options);
    const create = async (body: unknown = orderFixtures.seedCreateOrderBody()) => {
      const response = await api('POST', '/v1/orders', { body });
      expect(response.status, response.text).toBe(201);
      return response.json.id as string;
    };
    const expectProblem = (response: ApiResponse, status: number, code: string) => {
      expect(response.status, response.text).toBe(status);
      expect(response.headers.get('Content-Type')).toContain('application/problem+json');
      expect(response.json.code).toBe(code);
    };

    beforeAll(async () => {
      store = await setup();
    });
    afterAll(async () => {
      await store?.teardown?.();
    });

    it('a new order is PENDING with no payment and no hold', async () => {
      const orderId = await create();
      const read = await api('GET', `/v1/orders/${orderId}`);
      expect(read.json).toMatchObject({ paymentStatus: 'PENDING', payments: [], holds: [] });
    });

    it('a hold blocks confirm with 409 order-on-hold naming it; released, the confirm goes through', async () => {
      const orderId = await create();
      const held = await api('POST', `/v1/orders/${orderId}/holds`, {
        body: { reason: 'HIGH_RISK_OF_FRAUD', note: 'score 91', holdId: 'fraud-1' },
        headers: { 'Idempotency-Key': `hold-${orderId}` },
      });
      expect(held.status, held.text).toBe(200);
      expect(held.json.holds).toEqual([
        {
          holdId: 'fraud-1',
          reason: 'HIGH_RISK_OF_FRAUD',
          note: 'score 91',
          placedAt: expect.any(String),
          placedBy: 'anonymous',
        },
      ]);
      expect(held.headers.get('ETag')).toBe('"2"');
      const blocked = await api('POST', `/v1/orders/${orderId}/confirm`);
      expectProblem(blocked, 409, 'order-on-hold');
      expect(blocked.json.holds).toEqual([{ holdId: 'fraud-1', reason: 'HIGH_RISK_OF_FRAUD' }]);
      // the same hold again is a no-op; the same key replays the first answer
      const again = await api('POST', `/v1/orders/${orderId}/holds`, {
        body: { reason: 'HIGH_RISK_OF_FRAUD', note: 'score 91', holdId: 'fraud-1' },
        headers: { 'Idempotency-Key': `hold-${orderId}` },
      });
      expect(again.status).toBe(200);
      expect(again.headers.get('Idempotent-Replayed')).toBe('true');
      const unknown = await api('DELETE', `/v1/orders/${orderId}/holds/nope`);
      expectProblem(unknown, 404, 'hold-not-found');
      expect(unknown.json.holdId).toBe('nope');
      const stale = await api('DELETE', `/v1/orders/${orderId}/holds/fraud-1`, {
        headers: { 'If-Match': '"1"' },
      });
      expectProblem(stale, 412, 'concurrency-conflict');
      const released = await api('DELETE', `/v1/orders/${orderId}/holds/fraud-1`, {
        headers: { 'If-Match': '"2"' },
      });
      expect(released.status, released.text).toBe(200);
      expect(released.json.holds).toEqual([]);
      const confirmed = await api('POST', `/v1/orders/${orderId}/confirm`);
      expect(confirmed.json.status).toBe('CONFIRMED');
    });

    it('a hold generates its id when none is given, and a bad body is 422 naming every field', async () => {
      const orderId = await create();
      const held = await api('POST', `/v1/orders/${orderId}/holds`, { body: { reason: 'MANUAL' } });
      expect(held.status).toBe(200);
      expect(held.json.holds[0].holdId).toMatch(/^[0-9a-f-]{36}$/);
      const bad = await api('POST', `/v1/orders/${orderId}/holds`, {
        body: { reason: 'BECAUSE', note: '' },
      });
      expectProblem(bad, 422, 'validation-failed');
      expect(bad.json.errors.map((error: { path: string }) => error.path).sort()).toEqual([
        'note',
        'reason',
      ]);
    });

    it('a hold does not block a cancel, which releases it', async () => {
      const orderId = await create();
      await api('POST', `/v1/orders/${orderId}/holds`, { body: { reason: 'INVENTORY' } });
      const cancelled = await api('POST', `/v1/orders/${orderId}/cancel`, {
        body: { reason: 'out of stock' },
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.json).toMatchObject({ status: 'CANCELLED', holds: [] });
      const refused = await api('POST', `/v1/orders/${orderId}/holds`, {
        body: { reason: 'MANUAL' },
      });
      expectProblem(refused, 409, 'invalid-state-transition');
    });

    it('records payments: never above the total, never in another currency', async () => {
      const orderId = await create();
      const over = await api('POST', `/v1/orders/${orderId}/payments`, {
        body: { paymentId: 'pi_1', amount: usd('59.99'), status: 'AUTHORIZED' },
      });
      expectProblem(over, 422, 'validation-failed');
      const euro = await api('POST', `/v1/orders/${orderId}/payments`, {
        body: {
          paymentId: 'pi_1',
          amount: { amount: '1', currencyCode: 'EUR' },
          status: 'AUTHORIZED',
        },
      });
      expectProblem(euro, 422, 'mixed-currencies');
      const paid = await api('POST', `/v1/orders/${orderId}/payments`, {
        body: { paymentId: 'pi_1', amount: usd('59.98'), provider: 'stripe', status: 'CAPTURED' },
      });
      expect(paid.status, paid.text).toBe(200);
      expect(paid.json.paymentStatus).toBe('CAPTURED');
      expect(paid.json.payments).toEqual([
        {
          paymentId: 'pi_1',
          amount: usd('59.98'),
          provider: 'stripe',
          status: 'CAPTURED',
          at: expect.any(String),
        },
      ]);
    });

    it('a create may carry the payment a checkout authorized', async () => {
      const orderId = await create({
        ...orderFixtures.seedCreateOrderBody(),
        payment: { paymentId: 'ch_9', amount: usd('59.98'), status: 'AUTHORIZED' },
      });
      const read = await api('GET', `/v1/orders/${orderId}`);
      expect(read.json).toMatchObject({ paymentStatus: 'AUTHORIZED', version: 2 });
    });

    it('with confirmRequiresPayment, confirm holds an unpaid order; the authorization confirms it', async () => {
      const app = appWith({ confirmRequiresPayment: true });
      const created = await api(
        'POST',
        '/v1/orders',
        { body: orderFixtures.seedCreateOrderBody() },
        app,
      );
      const orderId = created.json.id as string;
      const held = await api('POST', `/v1/orders/${orderId}/confirm`, {}, app);
      expect(held.status, held.text).toBe(200);
      expect(held.json).toMatchObject({
        status: 'DRAFT',
        holds: [{ holdId: 'awaiting-payment', reason: 'AWAITING_PAYMENT' }],
      });
      const paid = await api(
        'POST',
        `/v1/orders/${orderId}/payments`,
        { body: { paymentId: 'pi_2', amount: usd('59.98'), status: 'AUTHORIZED' } },
        app,
      );
      expect(paid.status, paid.text).toBe(200);
      expect(paid.json).toMatchObject({
        status: 'CONFIRMED',
        paymentStatus: 'AUTHORIZED',
        holds: [],
        version: 5,
      });
      const history = await api('GET', `/v1/orders/${orderId}/events`, {}, app);
      expect(history.json.map((event: { type: string }) => event.type)).toEqual([
        'order.created',
        'order.hold_placed',
        'order.payment_recorded',
        'order.hold_released',
        'order.confirmed',
      ]);
    });
  });
};
