import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env.js';

export interface DocumentInfo {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
}

/** `/openapi.json`: OpenAPI 3.1 generated from the registered routes (the domain's zod schemas), built once. */
export const registerOpenApiDocument = (app: OpenAPIHono<AppEnv>, info: DocumentInfo): void => {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from OMS_API_KEYS (only when the server is configured with keys)',
  });
  let document: unknown;
  app.get('/openapi.json', (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: info.title,
        version: info.version,
        ...(info.description ? { description: info.description } : {}),
      },
      tags: [
        { name: 'orders', description: 'Order intake and lifecycle' },
        { name: 'webhooks', description: 'Inbound webhooks' },
        { name: 'operations', description: 'Health, readiness, metrics' },
      ],
    });
    return c.json(document as object);
  });
};
