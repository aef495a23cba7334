import type { OrderQueries, OrderView } from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { okAsync } from 'neverthrow';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../createApp.js';
import { CONSISTENCY_TOKEN_HEADER, type ConsistentReads } from './consistentReads.js';

/** A "replica" frozen at a moment: it answers what the primary held when `freeze()` was called. */
const setUp = () => {
  const store = createInMemoryOrderStore();
  const frozen = new Map<string, OrderView>();
  const calls: (string | undefined)[] = [];
  let written = 0;
  const lagging: OrderQueries = {
    getOrder: (orderId) => okAsync(frozen.get(orderId) ?? null),
    listOrders: (query) => store.queries.listOrders(query),
  };
  const reads: ConsistentReads = {
    isToken: (text) => /^t\d+$/.test(text),
    tokenAfterWrite: async () => `t${++written}`,
    queriesFor: async (token) => {
      calls.push(token);
      return token === undefined ? lagging : store.queries;
    },
    primary: store.queries,
  };
  const app = createApp({ ...store, reads }, { logger: pino({ level: 'silent' }) });
  const freeze = async (orderId: string) => {
    const view = (await store.queries.getOrder(orderId))._unsafeUnwrap();
    if (view) frozen.set(orderId, view);
  };
  return { app, calls, freeze };
};

const create = async (app: ReturnType<typeof setUp>['app']) =>
  app.request('/v1/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(orderFixtures.seedCreateOrderBody()),
  });

describe('read-your-writes over HTTP', () => {
  it('a command answers a consistency token, and a GET or list that sends it back is routed with it', async () => {
    const { app, calls } = setUp();
    const created = await create(app);
    expect(created.status).toBe(201);
    const token = created.headers.get(CONSISTENCY_TOKEN_HEADER);
    expect(token).toBe('t1');
    const { id } = (await created.json()) as { id: string };
    const confirmed = await app.request(`/v1/orders/${id}/confirm`, { method: 'POST' });
    expect(confirmed.headers.get(CONSISTENCY_TOKEN_HEADER)).toBe('t2');

    const got = await app.request(`/v1/orders/${id}`, {
      headers: { [CONSISTENCY_TOKEN_HEADER]: 't2' },
    });
    expect(got.status).toBe(200);
    expect(((await got.json()) as OrderView).version).toBe(2);
    const listed = await app.request('/v1/orders', {
      headers: { [CONSISTENCY_TOKEN_HEADER]: 't2' },
    });
    expect(listed.status).toBe(200);
    expect(calls).toEqual(['t2', 't2']);
  });

  it('a refused command carries no token', async () => {
    const { app } = setUp();
    const { id } = (await (await create(app)).json()) as { id: string };
    await app.request(`/v1/orders/${id}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'x' }),
    });
    const again = await app.request(`/v1/orders/${id}/confirm`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.headers.get(CONSISTENCY_TOKEN_HEADER)).toBeNull();
  });

  it('an answer older than the version the client names in If-None-Match, or none, is read again on the primary', async () => {
    const { app, freeze } = setUp();
    const { id } = (await (await create(app)).json()) as { id: string };
    // the copy has not seen the order at all: the primary answers, not a 404
    const unseen = await app.request(`/v1/orders/${id}`);
    expect(unseen.status).toBe(200);
    await freeze(id);
    await app.request(`/v1/orders/${id}/confirm`, { method: 'POST' });
    const stale = await app.request(`/v1/orders/${id}`);
    expect(((await stale.json()) as OrderView).version).toBe(1);
    const holding2 = await app.request(`/v1/orders/${id}`, { headers: { 'If-None-Match': '"2"' } });
    expect(holding2.status).toBe(304);
    expect(holding2.headers.get('ETag')).toBe('"2"');
    const lines = await app.request(`/v1/orders/${id}/lines`, {
      headers: { 'If-None-Match': 'W/"2"' },
    });
    expect(lines.status).toBe(304);
  });

  it('a token the server did not issue is a validation problem, not a 500', async () => {
    const { app } = setUp();
    const { id } = (await (await create(app)).json()) as { id: string };
    for (const path of [`/v1/orders/${id}`, '/v1/orders', `/v1/orders/${id}/lines`]) {
      const response = await app.request(path, { headers: { [CONSISTENCY_TOKEN_HEADER]: 'nope' } });
      expect(response.status).toBe(422);
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(problem.errors[0]?.path).toBe(`header.${CONSISTENCY_TOKEN_HEADER}`);
    }
  });

  it('OpenAPI documents the header on command responses and on GET and list requests', async () => {
    const { app } = setUp();
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: { name: string; in: string }[];
            responses: Record<string, { headers?: Record<string, unknown> }>;
          }
        >
      >;
    };
    expect(doc.paths['/v1/orders']?.post?.responses['201']?.headers).toHaveProperty(
      CONSISTENCY_TOKEN_HEADER,
    );
    expect(
      doc.paths['/v1/orders/{orderId}/confirm']?.post?.responses['200']?.headers,
    ).toHaveProperty(CONSISTENCY_TOKEN_HEADER);
    for (const [path, method] of [
      ['/v1/orders/{orderId}', 'get'],
      ['/v1/orders', 'get'],
    ] as const) {
      const names = doc.paths[path]?.[method]?.parameters
        ?.filter((p) => p.in === 'header')
        .map((p) => p.name.toLowerCase());
      expect(names).toContain('oms-consistency-token');
    }
  });
});
