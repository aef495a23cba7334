import { orderFixtures } from '@oms/domain/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createApp, type OrderApp } from '../createApp.js';
import { call } from './apiClient.js';
import { SHOPIFY_SECRET } from './hostileInputArbitraries.js';
import type { HostileContext } from './hostileInputContext.js';
import { fuzzScenarios } from './hostileInputFuzz.js';
import { limitScenarios } from './hostileInputLimits.js';
import { payloadScenarios } from './hostileInputPayloads.js';
import type { StoreUnderTest } from './orderApiScenarios.js';

/** Bad input of every kind never makes the server answer 5xx (spec §4), on any store. */
export const hostileInputScenarios = (
  name: string,
  setup: () => Promise<StoreUnderTest>,
  { runs = 300 }: { runs?: number } = {},
): void => {
  describe(name, () => {
    let store: StoreUnderTest;
    let app: OrderApp;
    let orderId = '';
    let lineId = '';

    beforeAll(async () => {
      store = await setup();
      app = createApp(store, { logger: pino({ level: 'silent' }), shopifySecret: SHOPIFY_SECRET });
      const created = await call(app, 'POST', '/v1/orders', {
        body: orderFixtures.seedCreateOrderBody(),
      });
      expect(created.status).toBe(201);
      orderId = created.json.id;
      lineId = created.json.lines[0].lineId;
    });
    afterAll(async () => {
      await store?.teardown?.();
    });

    const context = (): HostileContext => ({ app, orderId, lineId });
    fuzzScenarios(context, runs);
    payloadScenarios(context);
    limitScenarios(context);
  });
};
