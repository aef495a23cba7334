import { OpenAPIHono } from '@hono/zod-openapi';
import {
  type Clock,
  createExecuteOrderRequest,
  type EventStore,
  type ExecuteOrderRequest,
  type IdempotencyStore,
  type IdGenerator,
  type OrderQueries,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import type { AppEnv } from './env.js';
import { createHttpMetrics } from './metrics/httpMetrics.js';
import { type ApiKeysOption, apiKeyAuth, parseApiKeys } from './middleware/apiKeys.js';
import { observe } from './middleware/observe.js';
import { readBody } from './middleware/readBody.js';
import { requestId } from './middleware/requestId.js';
import { registerDocs } from './openapi/docs.js';
import { registerOpenApiDocument } from './openapi/document.js';
import { problemFromError, problemResponse, respondProblem } from './problems/problem.js';
import { registerOrderCommands } from './routes/orderCommands.js';
import { registerOrderQueries } from './routes/orderQueries.js';
import { registerShopifyWebhook } from './routes/shopifyWebhook.js';
import { registerSystemRoutes } from './routes/system.js';
import type { AppRuntime } from './runtime.js';

export interface AppDeps {
  readonly eventStore: EventStore;
  /** Without it, Idempotency-Key headers are accepted but not enforced. */
  readonly idempotency?: IdempotencyStore;
  /**
   * The write path, when the host shares one with its other entry points (the Kafka consumer); by default one is
   * built from the event store and idempotency store (with `maxRetries`).
   */
  readonly execute?: ExecuteOrderRequest;
  readonly queries: OrderQueries;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  /** Is the database reachable? (default: a stream read through the event store succeeds) */
  readonly ready?: () => Promise<boolean>;
}

export interface AppOptions {
  /** Largest accepted request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Refuse a POST without Idempotency-Key (default false). */
  readonly requireIdempotencyKey?: boolean;
  /** Bearer API keys guarding /v1/orders: `OMS_API_KEYS` text (`id:key,…` or plain keys), a list, or id → key. */
  readonly apiKeys?: ApiKeysOption;
  /** Enables POST /v1/webhooks/shopify (404 without it). */
  readonly shopifySecret?: string;
  /** Default: pino at `info`. */
  readonly logger?: Logger;
  /** Where the metrics go (default: a new registry for this app). */
  readonly metricsRegistry?: Registry;
  /** Re-decisions after losing a version race (default 10). */
  readonly maxRetries?: number;
  readonly title?: string;
  readonly version?: string;
  /** Where swagger-ui-dist's files are (default: the installed package). */
  readonly swaggerUiDir?: string;
}

export type OrderApp = OpenAPIHono<AppEnv>;

const NIL_ORDER = '00000000-0000-7000-8000-000000000000';

const defaultReady =
  (eventStore: EventStore): (() => Promise<boolean>) =>
  async () =>
    (await eventStore.readStream(NIL_ORDER)).isOk();

/**
 * The Order Intake HTTP API (spec §4) as an OpenAPIHono app: mount it, add routes to it, or serve it as it is.
 */
export const createApp = (deps: AppDeps, options: AppOptions = {}): OrderApp => {
  const {
    bodyLimit = 1024 * 1024,
    requireIdempotencyKey = false,
    apiKeys,
    shopifySecret,
    logger = pino({ level: 'info' }),
    metricsRegistry = new Registry(),
    maxRetries = 10,
    title = 'OMS Order Intake',
    version = '1.0.0',
    swaggerUiDir,
  } = options;
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? uuidV7Generator;
  const runtime: AppRuntime = {
    eventStore: deps.eventStore,
    queries: deps.queries,
    execute:
      deps.execute ??
      createExecuteOrderRequest({
        eventStore: deps.eventStore,
        ...(deps.idempotency ? { idempotency: deps.idempotency } : {}),
        clock,
        ids,
        maxRetries,
      }),
    clock,
    ids,
    ready: deps.ready ?? defaultReady(deps.eventStore),
    metrics: createHttpMetrics(metricsRegistry),
    logger,
    requireIdempotencyKey,
    ...(shopifySecret ? { shopifySecret } : {}),
  };

  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestId());
  app.use('*', observe(logger, runtime.metrics));
  // Authentication first: an unauthenticated caller never gets the server to read a body.
  const auth = apiKeyAuth(parseApiKeys(apiKeys));
  app.use('/v1/orders', auth);
  app.use('/v1/orders/*', auth);
  app.use('/v1/*', readBody(bodyLimit));

  registerOrderQueries(app, runtime);
  registerOrderCommands(app, runtime);
  registerShopifyWebhook(app, runtime);
  registerSystemRoutes(app, runtime);
  registerOpenApiDocument(app, { title, version });
  registerDocs(app, { title, ...(swaggerUiDir ? { assetsDir: swaggerUiDir } : {}) });

  app.notFound((c) =>
    respondProblem(c, { code: 'not-found', detail: `no route for ${c.req.method} ${c.req.path}` }),
  );
  app.onError((error, c) => {
    (c.get('logger') ?? logger).error({ err: error }, 'unhandled error');
    return problemResponse(
      c,
      problemFromError(
        { code: 'internal', message: 'unhandled error' },
        { instance: c.req.path, requestId: c.get('requestId') },
      ),
    );
  });
  return app;
};
