import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';

/**
 * `X-Content-Type-Options: nosniff` on every response; `Cache-Control: no-store` on every /v1 response (orders carry
 * names, e-mails and addresses: no shared cache may keep them) unless a route set its own.
 */
export const securityHeaders = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  await next();
  c.res.headers.set('X-Content-Type-Options', 'nosniff');
  if (c.req.path.startsWith('/v1/') && !c.res.headers.has('Cache-Control'))
    c.res.headers.set('Cache-Control', 'no-store');
};
