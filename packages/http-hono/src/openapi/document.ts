import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
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
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/openapi.json',
      operationId: 'openApiDocument',
      tags: ['operations'],
      security: [],
      summary: 'This document (OpenAPI 3.1, generated from the schemas that validate)',
      responses: {
        200: {
          description: 'The OpenAPI document',
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        },
      },
    }),
  );
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'get',
      path: '/docs',
      operationId: 'docs',
      tags: ['operations'],
      security: [],
      summary: 'Swagger UI for this document, served from local files',
      responses: {
        200: {
          description: 'The docs page, under a Content-Security-Policy',
          headers: {
            'Content-Security-Policy': {
              description: "Only this origin's scripts",
              required: true,
              schema: { type: 'string' },
            },
          },
          content: { 'text/html': { schema: z.string() } },
        },
      },
    }),
  );
  let document: unknown;
  app.get('/openapi.json', (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: info.title,
        version: info.version,
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
        ...(info.description ? { description: info.description } : {}),
      },
      servers: [{ url: '/', description: 'This server' }],
      tags: [
        { name: 'orders', description: 'Order intake and lifecycle' },
        { name: 'webhooks', description: 'Inbound webhooks' },
        { name: 'operations', description: 'Health, readiness, metrics' },
        { name: 'privacy', description: 'Erasure of personal data (GDPR art. 17)' },
      ],
    });
    return c.json(document as object);
  });
};
