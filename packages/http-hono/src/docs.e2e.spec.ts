import { existsSync } from 'node:fs';
import { createInMemoryOrderStore } from '@oms/domain/testing';
import { pino } from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './createApp.js';
import { type Listening, listen } from './testing/listen.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skipAllowed = process.env.OMS_SKIP_BROWSER === '1';
const present = existsSync(CHROMIUM);

describe('/docs in a real browser', () => {
  let server: Listening | undefined;
  let browser: Browser | undefined;
  const requested: string[] = [];

  beforeAll(async () => {
    if (!present) return;
    const app = createApp(createInMemoryOrderStore(), {
      logger: pino({ level: 'silent' }),
      apiKeys: 'docs:secret',
    });
    server = await listen(app);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it.skipIf(!present && skipAllowed)(
    'headless Chromium loads Swagger UI from this server only and finds the create-order operation',
    async () => {
      if (!present)
        throw new Error(
          `Chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH); ` +
            'set OMS_SKIP_BROWSER=1 to skip this check knowingly',
        );
      const page = await browser!.newPage();
      page.on('request', (request) => requested.push(request.url()));
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const response = await page.goto(`${server!.url}/docs`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);

      const operation = page.locator('#operations-orders-createOrder');
      await operation.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await operation.textContent()).toContain('/v1/orders');
      await operation.locator('.opblock-summary').first().click();
      await page
        .locator('#operations-orders-createOrder .opblock-body')
        .waitFor({ state: 'visible', timeout: 10_000 });
      expect(await page.locator('#operations-orders-createOrder').textContent()).toContain(
        'Idempotency-Key'.toLowerCase(),
      );
      expect(await page.locator('.information-container .title').textContent()).toContain(
        'OMS Order Intake',
      );
      expect(errors).toEqual([]);
      const foreign = requested.filter(
        (url) => !url.startsWith(server!.url) && !url.startsWith('data:'),
      );
      expect(foreign).toEqual([]);
      expect(requested).toContain(`${server!.url}/openapi.json`);
      await page.close();
    },
  );
});
