import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { createApp } from '@oms/http-hono';
import { pino } from 'pino';

const app = createApp(createInMemoryOrderStore(), { logger: pino({ level: 'warn' }) });
const body = JSON.stringify(orderFixtures.seedCreateOrderBody());
const go = async (n) => {
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await app.request('/v1/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await r.text();
  }
  return (performance.now() - t) / n;
};
await go(500);
console.log('ms/create', await go(3000));
