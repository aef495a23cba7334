import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { routePattern } from '../middleware/observe.js';

export const TRACER_NAME = '@oms/http-hono';

const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * An HTTP SERVER span per request (OpenTelemetry HTTP conventions: `POST /v1/orders/:orderId/confirm`), continuing
 * the caller's `traceparent`, active while the request is handled, so the command and its SQL statements are its
 * children. With no OpenTelemetry SDK registered it is a no-op.
 */
export const traceRequests =
  (tracer: Tracer = trace.getTracer(TRACER_NAME)): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const parent = propagation.extract(ROOT_CONTEXT, c.req.raw.headers, headerGetter);
    const method = KNOWN_METHODS.has(c.req.method) ? c.req.method : '_OTHER';
    const span = tracer.startSpan(
      method === '_OTHER' ? 'HTTP' : method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          ...(method === '_OTHER'
            ? { 'http.request.method_original': c.req.method.slice(0, 20) }
            : {}),
          'url.path': c.req.path,
        },
      },
      parent,
    );
    // the rest only for a span that is recorded: tracing off, a request pays for nothing it does not use
    if (span.isRecording()) {
      const url = new URL(c.req.url);
      const userAgent = c.req.header('user-agent');
      span.setAttributes({
        'url.scheme': url.protocol.replace(':', ''),
        'server.address': url.hostname,
        ...(url.port ? { 'server.port': Number(url.port) } : {}),
        ...(userAgent ? { 'user_agent.original': userAgent } : {}),
      });
    }
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      if (span.isRecording()) finish(span, c, method);
      span.end();
    }
  };

const finish = (span: Span, c: Context<AppEnv>, method: string): void => {
  const route = routePattern(c);
  if (route !== 'unmatched') {
    span.updateName(`${method === '_OTHER' ? 'HTTP' : method} ${route}`);
    span.setAttribute('http.route', route);
  }
  const status = c.res.status;
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
};
