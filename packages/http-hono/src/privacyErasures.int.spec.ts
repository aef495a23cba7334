import {
  createLocalKeyManagement,
  createPgOrderStore,
  createTestDatabase,
  eraseCustomer,
  generateMasterKey,
  type TestDatabase,
} from '@oms/adapters-pg';
import { orderFixtures } from '@oms/domain/fixtures';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp, type OrderApp } from './createApp.js';

let db: TestDatabase;
let app: OrderApp;
const KEY = 'privacy-officer-key';
const auth = { Authorization: `Bearer ${KEY}` };
const json = { 'content-type': 'application/json', ...auth };

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'), { max: 10 });
  const store = createPgOrderStore({
    pool: db.pool,
    keyManagement: await createLocalKeyManagement({ masterKey: generateMasterKey() }),
  });
  app = createApp(
    {
      ...store,
      personalData: { erase: (email) => eraseCustomer(db.pool, email, { cipher: store.cipher }) },
    },
    { apiKeys: `dpo:${KEY}`, logger: pino({ level: 'silent' }) },
  );
});
afterAll(async () => {
  await db?.drop();
});

const createOrder = async (email: string): Promise<{ id: string; version: number }> => {
  const body = orderFixtures.seedCreateOrderBody();
  const response = await app.request('/v1/orders', {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ ...body, customer: { ...body.customer, email } }),
  });
  expect(response.status).toBe(201);
  const created = (await response.json()) as { id: string };
  const confirmed = await app.request(`/v1/orders/${created.id}/confirm`, {
    method: 'POST',
    headers: auth,
  });
  return (await confirmed.json()) as { id: string; version: number };
};

const erase = (body: unknown, headers: Record<string, string> = json) =>
  app.request('/v1/privacy/erasures', { method: 'POST', headers, body: JSON.stringify(body) });

describe('POST /v1/privacy/erasures', () => {
  it('erases a customer: GET, events, asOf and listing show nothing of them; status, totals, version stay', async () => {
    const email = 'ada.erased@example.com';
    const order = await createOrder(email);
    const kept = await createOrder('someone.else@example.com');
    const before = (await (
      await app.request(`/v1/orders/${order.id}`, { headers: auth })
    ).json()) as Record<string, unknown>;

    const first = await erase({ email: 'Ada.Erased@example.com' });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ email: 'Ada.Erased@example.com', orders: 1 });
    const again = await erase({ email });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ email, orders: 1 });

    const list = await app.request(`/v1/orders?customerEmail=${encodeURIComponent(email)}`, {
      headers: auth,
    });
    expect(((await list.json()) as { data: unknown[] }).data).toEqual([]);

    for (const path of [
      `/v1/orders/${order.id}`,
      `/v1/orders/${order.id}/events`,
      `/v1/orders/${order.id}?asOf=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    ]) {
      const response = await app.request(path, { headers: auth });
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).not.toContain(email);
      expect(text).not.toContain('Lovelace');
      expect(text).toContain('"[erased]"');
    }
    const after = (await (
      await app.request(`/v1/orders/${order.id}`, { headers: auth })
    ).json()) as Record<string, unknown>;
    for (const field of ['status', 'lines', 'orderTotal', 'version', 'confirmedAt'])
      expect(after[field]).toEqual(before[field]);
    expect(after.customer).toEqual({
      firstName: '[erased]',
      lastName: '[erased]',
      email: '[erased]',
      phone: '[erased]',
    });
    const other = await app.request(`/v1/orders/${kept.id}`, { headers: auth });
    expect(await other.text()).toContain('someone.else@example.com');
  });

  it('answers an unknown customer with 202 and no order', async () => {
    const response = await erase({ email: 'nobody@example.com' });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ email: 'nobody@example.com', orders: 0 });
  });

  it('needs an API key, and a body with an e-mail', async () => {
    expect(
      (await erase({ email: 'a@example.com' }, { 'content-type': 'application/json' })).status,
    ).toBe(401);
    const bad = await erase({ email: 'not an address' });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { code: string }).code).toBe('validation-failed');
    expect((await erase({ email: 'a@example.com', extra: 1 })).status).toBe(422);
    const malformed = await app.request('/v1/privacy/erasures', {
      method: 'POST',
      headers: json,
      body: '{',
    });
    expect(malformed.status).toBe(400);
  });

  it('is refused when the server has no API keys at all (never open)', async () => {
    const open = createApp(
      {
        ...createPgOrderStore({ pool: db.pool }),
        personalData: { erase: async () => ({ orders: 0 }) },
      },
      { logger: pino({ level: 'silent' }) },
    );
    const response = await open.request('/v1/privacy/erasures', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.com' }),
    });
    expect(response.status).toBe(401);
  });
});
