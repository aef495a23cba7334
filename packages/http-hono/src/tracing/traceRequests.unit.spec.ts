import { orderFixtures } from '@oms/domain/fixtures';
import { createInMemoryOrderStore } from '@oms/domain/testing';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../createApp.js';
import { call } from '../testing/apiClient.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});
afterEach(() => exporter.reset());

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const traceparent = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;

const setup = () => {
  const store = createInMemoryOrderStore();
  const app = createApp(store, { logger: pino({ level: 'silent' }) });
  return { store, app };
};

describe('traceRequests (HTTP SERVER spans)', () => {
  it('continues the caller trace, names the span by route, and stores the request span as the events traceparent', async () => {
    const { store, app } = setup();
    const created = await call(app, 'POST', '/v1/orders', {
      body: orderFixtures.seedCreateOrderBody(),
      headers: { traceparent },
    });
    expect(created.status).toBe(201);
    const confirmed = await call(app, 'POST', `/v1/orders/${created.json.id}/confirm`, {
      headers: { traceparent },
    });
    expect(confirmed.status).toBe(200);

    const spans = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
    expect(spans.map((span) => span.name)).toEqual([
      'POST /v1/orders',
      'POST /v1/orders/:orderId/confirm',
    ]);
    const confirmSpan = spans[1];
    expect(confirmSpan?.spanContext().traceId).toBe(CALLER_TRACE);
    expect(confirmSpan?.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(confirmSpan?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/orders/:orderId/confirm',
      'http.response.status_code': 200,
      'url.path': `/v1/orders/${created.json.id}/confirm`,
      'url.scheme': 'http',
    });

    const stream = (await store.eventStore.readStream(created.json.id))._unsafeUnwrap();
    const confirmEvent = stream.events.find((event) => event.type === 'order.confirmed');
    expect(confirmEvent?.metadata.traceparent).toBe(
      `00-${CALLER_TRACE}-${confirmSpan?.spanContext().spanId}-01`,
    );
  });

  it('starts a new trace without a traceparent and keeps the method alone as the name of an unmatched path', async () => {
    const { app } = setup();
    expect((await call(app, 'GET', '/nowhere')).status).toBe(404);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('GET');
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.attributes['http.route']).toBeUndefined();
    expect(span?.attributes['http.response.status_code']).toBe(404);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a 5xx answer as an error', async () => {
    const store = createInMemoryOrderStore();
    const failing = new Proxy(store.queries, {
      get: () => () => {
        throw new Error('boom');
      },
    });
    const app = createApp({ ...store, queries: failing }, { logger: pino({ level: 'silent' }) });
    const answer = await call(app, 'GET', `/v1/orders/${crypto.randomUUID()}`);
    expect(answer.status).toBeGreaterThanOrEqual(500);
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe(String(answer.status));
  });

  it('makes no span with tracing off', async () => {
    const store = createInMemoryOrderStore();
    const app = createApp(store, { logger: pino({ level: 'silent' }), tracing: false });
    await call(app, 'GET', '/health');
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
