import { Writable } from 'node:stream';
import type { EventStore, OrderQueries } from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { errAsync } from 'neverthrow';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from './createApp.js';
import { call } from './testing/apiClient.js';

const ORDER = '01900000-0000-7000-8000-000000000abc';

const capture = () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
};

const failingStore = (failure: 'internal' | 'unavailable' | 'throws') => {
  const base = createInMemoryOrderStore();
  const error =
    failure === 'internal'
      ? {
          code: 'internal' as const,
          message: 'SELECT secret FROM orders WHERE id = $1 failed',
          cause: new Error('relation "orders" does not exist\n    at Parser.parseErrorMessage'),
        }
      : { code: 'service-unavailable' as const, message: 'connect ECONNREFUSED 10.0.0.1:5432' };
  const eventStore: EventStore = {
    ...base.eventStore,
    readStream: () => {
      if (failure === 'throws')
        throw new TypeError('Cannot read properties of undefined (reading "rows")');
      return errAsync(error);
    },
    appendToStream: () => {
      if (failure === 'throws')
        throw new TypeError('Cannot read properties of undefined (reading "rows")');
      return errAsync(error);
    },
  };
  const queries: OrderQueries = {
    getOrder: () => errAsync(error),
    listOrders: () => errAsync(error),
  };
  return { ...base, eventStore, queries };
};

describe('failures never leak internals', () => {
  it('an internal store error is a 500 problem without SQL or stack, logged with the request id', async () => {
    const { logger, lines } = capture();
    const app = createApp(failingStore('internal'), { logger });
    for (const [method, path] of [
      ['POST', `/v1/orders/${ORDER}/confirm`],
      ['GET', `/v1/orders/${ORDER}`],
      ['GET', `/v1/orders/${ORDER}/events`],
      ['GET', '/v1/orders'],
    ] as const) {
      const response = await call(app, method, path, { headers: { 'X-Request-Id': 'req-500' } });
      expect(response.status, path).toBe(500);
      expect(response.json.code).toBe('internal');
      expect(response.headers.get('Content-Type')).toContain('application/problem+json');
      expect(response.text).not.toMatch(/SELECT|relation|Parser|\bat /);
      expect(response.json.requestId).toBe('req-500');
    }
    const errors = lines.filter((line) => line.level === 50);
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) expect(line.requestId).toBe('req-500');
  });

  it('a thrown exception is a 500 problem without a stack', async () => {
    const { logger, lines } = capture();
    const app = createApp(failingStore('throws'), { logger });
    const response = await call(app, 'POST', `/v1/orders/${ORDER}/confirm`);
    expect(response.status).toBe(500);
    expect(response.json.code).toBe('internal');
    expect(response.text).not.toMatch(/TypeError|rows|\bat /);
    const logged = lines.find((line) => line.msg === 'unhandled error');
    expect(logged?.requestId).toBe(response.headers.get('X-Request-Id'));
  });

  it('an unreachable database is 503 service-unavailable, and /ready says so', async () => {
    const app = createApp(failingStore('unavailable'), { logger: pino({ level: 'silent' }) });
    const created = await call(app, 'POST', '/v1/orders', {
      body: orderFixtures.seedCreateOrderBody(),
    });
    expect(created.status).toBe(503);
    expect(created.json.code).toBe('service-unavailable');
    expect(created.text).not.toContain('ECONNREFUSED 10.0.0.1');
    expect((await call(app, 'GET', `/v1/orders/${ORDER}`)).status).toBe(503);
    const ready = await call(app, 'GET', '/ready');
    expect(ready.status).toBe(503);
    expect(ready.json.code).toBe('service-unavailable');
    expect((await call(app, 'GET', '/health')).status).toBe(200);
  });

  it('/ready uses the given check; a throwing check is not ready', async () => {
    const store = createInMemoryOrderStore();
    const silent = pino({ level: 'silent' });
    const up = createApp({ ...store, ready: async () => true }, { logger: silent });
    const down = createApp({ ...store, ready: async () => false }, { logger: silent });
    const broken = createApp(
      {
        ...store,
        ready: async () => {
          throw new Error('boom');
        },
      },
      { logger: silent },
    );
    expect((await call(up, 'GET', '/ready')).status).toBe(200);
    expect((await call(down, 'GET', '/ready')).status).toBe(503);
    expect((await call(broken, 'GET', '/ready')).status).toBe(503);
  });

  it('unknown routes are 404 problems', async () => {
    const app = createApp(createInMemoryOrderStore(), { logger: pino({ level: 'silent' }) });
    const response = await call(app, 'GET', '/v2/nothing');
    expect(response.status).toBe(404);
    expect(response.json.code).toBe('not-found');
  });
});

describe('request ids and logs', () => {
  it('every response carries X-Request-Id and every log line the same id', async () => {
    const { logger, lines } = capture();
    const app = createApp(createInMemoryOrderStore(), { logger });
    const given = await call(app, 'GET', '/health', { headers: { 'X-Request-Id': 'abc-123' } });
    expect(given.headers.get('X-Request-Id')).toBe('abc-123');
    const replaced = await call(app, 'GET', '/health', {
      headers: { 'X-Request-Id': 'has spaces and <script>' },
    });
    expect(replaced.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
    const created = await call(app, 'POST', '/v1/orders', {
      body: orderFixtures.seedCreateOrderBody(),
    });
    const problem = await call(app, 'POST', '/v1/orders', {
      body: '{',
      headers: { 'Content-Type': 'application/json' },
    });
    const notFound = await call(app, 'GET', '/nowhere');
    const ids = [given, replaced, created, problem, notFound].map((r) =>
      r.headers.get('X-Request-Id'),
    );
    expect(ids.every(Boolean)).toBe(true);
    expect(problem.json.requestId).toBe(ids[3]);

    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const line of lines) expect(ids).toContain(line.requestId);
    const access = lines.find((line) => line.requestId === ids[2]);
    expect(access).toMatchObject({ method: 'POST', route: '/v1/orders', status: 201 });
    expect(JSON.stringify(lines)).not.toContain('Lovelace');
  });
});
