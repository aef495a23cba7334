import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from 'pino';
import type { AppEnv } from '../env.js';
import type { HttpMetrics } from '../metrics/httpMetrics.js';

/** The route pattern that answered (`/v1/orders/:orderId`), never the raw path, so label values stay few. */
export const routePattern = (c: Parameters<MiddlewareHandler<AppEnv>>[0]): string => {
  const handler = matchedRoutes(c)
    .filter((route) => route.method !== 'ALL')
    .at(-1);
  return handler?.path ?? 'unmatched';
};

/** A request-scoped logger (every line carries the request id), an access log line and the duration histogram. */
export const observe =
  (logger: Logger, metrics: HttpMetrics): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const started = performance.now();
    const log = logger.child({ requestId: c.get('requestId') });
    c.set('logger', log);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = routePattern(c);
    const status = c.res.status;
    metrics.requestDuration.observe(
      { method: c.req.method, route, status: String(status) },
      seconds,
    );
    const failed = status >= 500;
    // The access line is built only when it is written (LOG_LEVEL=warn skips it for every request that went well).
    if (!failed && !log.isLevelEnabled('info')) return;
    const line = {
      method: c.req.method,
      path: c.req.path,
      route,
      status,
      durationMs: Math.round(seconds * 100_000) / 100,
    };
    if (failed) log.error(line, 'request failed');
    else log.info(line, 'request completed');
  };
