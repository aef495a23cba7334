import {
  type ApplicationError,
  COMMAND_ACTIONS,
  classifyFailure,
  type ExecuteOrderRequest,
} from '@oms/domain';
import { createInMemoryOrderStore } from '@oms/domain/testing';
import { errAsync, okAsync } from 'neverthrow';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../createApp.js';
import { call } from '../testing/apiClient.js';
import { createInMemoryShopifyInbox } from './memoryShopifyInbox.js';
import { signShopifyBody } from './signature.js';

const SECRET = 'shpss_retry_secret';

/** One error of each kind the write path can answer, refused (recorded) or failed (not recorded). */
const ERRORS: readonly ApplicationError[] = [
  { code: 'invalid-state-transition', message: 'no', status: 'SHIPPED', action: 'cancel' },
  // not-yet in the domain's table (a shipment before the confirmation): a later delivery may succeed
  {
    code: 'invalid-state-transition',
    message: 'no',
    status: 'DRAFT',
    action: COMMAND_ACTIONS.ShipOrder,
  },
  { code: 'order-not-editable', message: 'no', status: 'CONFIRMED', action: 'cancel' },
  { code: 'validation-failed', message: 'no', errors: [{ path: 'reason', message: 'bad' }] },
  { code: 'order-not-found', message: 'no', orderId: '00000000-0000-7000-8000-000000000001' },
  { code: 'concurrency-conflict', message: 'no', expectedVersion: 1, actualVersion: 2 },
  { code: 'idempotency-key-in-flight', message: 'no', key: 'k' },
  { code: 'idempotency-key-reused', message: 'no', key: 'k' },
  { code: 'service-unavailable', message: 'no' },
  { code: 'internal', message: 'no' },
  { code: 'unknown-event', message: 'no', orderId: 'x', events: [] },
] as unknown as readonly ApplicationError[];

const deliverWith = async (error: ApplicationError, recorded: boolean) => {
  const execute: ExecuteOrderRequest = () =>
    recorded && classifyFailure(error) === 'final'
      ? okAsync({ kind: 'refused', error: error as never, replayed: false })
      : errAsync(error);
  const inbox = createInMemoryShopifyInbox();
  const app = createApp(
    { ...createInMemoryOrderStore(), execute, shopifyInbox: inbox },
    { logger: pino({ level: 'silent' }), shopifySecret: SECRET },
  );
  const raw = '{"id":4711,"created_at":"2026-01-15T10:00:00Z","cancel_reason":"customer"}';
  const response = await call(app, 'POST', '/v1/webhooks/shopify', {
    body: raw,
    headers: {
      'Content-Type': 'application/json',
      'X-Shopify-Topic': 'orders/cancelled',
      'X-Shopify-Hmac-Sha256': signShopifyBody(raw, SECRET),
    },
  });
  return { response, parked: await inbox.parked() };
};

describe('Shopify webhook: retry or park, as the domain classifies the failure', () => {
  it.each(ERRORS.map((error) => [`${error.code} ${'status' in error ? error.status : ''}`, error]))(
    '%s',
    async (_name, error) => {
      const final = classifyFailure(error as ApplicationError) === 'final';
      for (const recorded of [true, false]) {
        const { response, parked } = await deliverWith(error as ApplicationError, recorded);
        if (final) {
          // Final: kept with the reason and answered 200, so that Shopify stops retrying what never succeeds.
          expect(response.status, response.text).toBe(200);
          expect(response.json.outcome).toBe('parked');
          expect(parked).toHaveLength(1);
          expect(parked[0]?.reason).toContain((error as ApplicationError).code);
        } else {
          // Not yet or transient: answered as the problem it is (4xx/5xx), so that Shopify delivers it again.
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.json.code).toBe((error as ApplicationError).code);
          expect(parked).toHaveLength(0);
        }
      }
    },
  );
});
