import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../env.js';
import { jsonResponse, problemResponses } from '../openapi/responses.js';
import { HealthSchema } from '../openapi/schemas.js';
import { respondProblem } from '../problems/problem.js';
import type { AppRuntime } from '../runtime.js';

const READY_TIMEOUT_MS = 2_000;

const withTimeout = (check: () => Promise<boolean>, ms: number): Promise<boolean> =>
  new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref?.();
    Promise.resolve()
      .then(check)
      .then(
        (ready) => resolve(ready === true),
        () => resolve(false),
      )
      .finally(() => clearTimeout(timer));
  });

/** `/health` (the process answers), `/ready` (the database answers), `/metrics` (Prometheus). */
export const registerSystemRoutes = (app: OpenAPIHono<AppEnv>, runtime: AppRuntime): void => {
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/health',
      operationId: 'health',
      tags: ['operations'],
      security: [],
      summary: 'Liveness',
      responses: { 200: jsonResponse('The process is up', HealthSchema), ...problemResponses([]) },
    }),
  );
  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/ready',
      operationId: 'ready',
      tags: ['operations'],
      security: [],
      summary: 'Readiness: the database is reachable',
      responses: {
        200: jsonResponse('Ready', HealthSchema),
        ...problemResponses([503]),
      },
    }),
  );
  app.get('/ready', async (c) => {
    const ready = await withTimeout(runtime.ready, READY_TIMEOUT_MS);
    return ready
      ? c.json({ status: 'ready' })
      : respondProblem(c, { code: 'service-unavailable', detail: 'the database is not reachable' });
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics (guarded by the API keys when they are configured)',
      security: [{ bearerAuth: [] }],
      responses: {
        200: {
          description: 'Prometheus text exposition format',
          content: { 'text/plain': { schema: z.string() } },
        },
        ...problemResponses([401]),
      },
    }),
  );
  app.get('/metrics', async (c) => {
    const { registry } = runtime.metrics;
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
};
