import type { Hono } from 'hono';

const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

const patternOf = (path: string): RegExp =>
  new RegExp(
    `^${path
      .split('/')
      .map((segment) =>
        segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/')}$`,
  );

/**
 * The methods the app's routes answer on a path (for `405` + `Allow`), HEAD wherever GET is. Computed from the
 * routes themselves, so it cannot drift from them. Empty: no route has this path at all (a 404).
 */
export const allowedMethods = (
  // biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its env
  app: Hono<any, any, any>,
  path: string,
): string[] => {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === 'ALL' || route.path.includes('*')) continue;
    if (patternOf(route.path).test(path)) methods.add(route.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return METHOD_ORDER.filter((method) => methods.has(method));
};
