import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@oms/adapters-pg';
import { signShopifyBody } from '@oms/http-hono';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SERVER_CLI,
  SERVER_MAIN,
  type ServerProcess,
  startServerProcess,
  stopServerProcess,
} from './testing/serverProcess.js';

const dataDir = mkdtempSync(join(tmpdir(), 'oms-server-keys-e2e-'));
// As root the embedded PostgreSQL runs as `postgres`, which must be able to enter the folder made here.
chmodSync(dataDir, 0o755);
const SECRET = 'shpss_e2e';
let running: ServerProcess | undefined;
afterAll(async () => {
  if (running && running.child.exitCode === null) await stopServerProcess(running);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the reference server: API keys and the Shopify parking lot', () => {
  it('refuses OMS_API_KEYS with no key in it (",", blanks) at start-up instead of running open', () => {
    for (const keys of [',', ' , ', ' ']) {
      const result = spawnSync(process.execPath, [SERVER_MAIN], {
        env: { ...process.env, OMS_API_KEYS: keys, OMS_DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status, JSON.stringify(keys)).toBe(1);
      expect(result.stderr).toMatch(/^invalid configuration: OMS_API_KEYS: /);
    }
  });

  it('guards /metrics and /asyncapi.json with the keys; parks an unmappable Shopify order, listed by the CLI', async () => {
    const port = await findFreePort();
    running = await startServerProcess(port, dataDir, {
      OMS_API_KEYS: 'ops:k-1',
      SHOPIFY_WEBHOOK_SECRET: SECRET,
    });
    const auth = { Authorization: 'Bearer k-1' };
    for (const path of ['/metrics', '/asyncapi.json']) {
      const anonymous = await fetch(`${running.url}${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
      expect((await fetch(`${running.url}${path}`, { headers: auth })).status, path).toBe(200);
    }
    for (const path of ['/health', '/ready', '/openapi.json', '/docs'])
      expect((await fetch(`${running.url}${path}`)).status, path).toBe(200);

    const raw =
      '{"id":820982911946154509,"currency":"USD","email":"a@example.com","line_items":[]}';
    const parked = await fetch(`${running.url}/v1/webhooks/shopify`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Shopify-Topic': 'orders/create',
        'X-Shopify-Webhook-Id': 'e2e-webhook-1',
        'X-Shopify-Hmac-Sha256': signShopifyBody(raw, SECRET),
      },
      body: raw,
    });
    expect(parked.status).toBe(200);
    expect(((await parked.json()) as { outcome: string }).outcome).toBe('parked');
    const metrics = await (await fetch(`${running.url}/metrics`, { headers: auth })).text();
    expect(metrics).toMatch(
      /oms_shopify_webhooks_total\{topic="orders\/create",outcome="parked"\} 1/,
    );
    expect(await stopServerProcess(running)).toBe(0);

    const env: NodeJS.ProcessEnv = { ...process.env, OMS_DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    const list = spawnSync(process.execPath, [SERVER_CLI, 'shopify', 'parked'], {
      env,
      encoding: 'utf8',
    });
    expect(list.status, list.stderr).toBe(0);
    const lines = list.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      webhookId: 'e2e-webhook-1',
      topic: 'orders/create',
      shopifyOrderId: '820982911946154509',
      payload: raw,
    });
    expect(lines[0].reason).toContain('lines');
  });
});
