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
import { securityHeaders } from './middleware/securityHeaders.js';
import { registerDocs } from './openapi/docs.js';
import { registerOpenApiDocument } from './openapi/document.js';
import { problemFromError, problemResponse, respondProblem } from './problems/problem.js';
import { allowedMethods } from './routes/allowedMethods.js';
import { registerOrderCommands } from './routes/orderCommands.js';
import { registerOrderQueries } from './routes/orderQueries.js';
import { registerShopifyWebhook } from './routes/shopifyWebhook.js';
import { registerSystemRoutes } from './routes/system.js';
import type { AppRuntime } from './runtime.js';
import { createInMemoryShopifyInbox } from './shopify/memoryShopifyInbox.js';
import type { ShopifyInbox } from './shopify/shopifyInbox.js';

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
  /** The Shopify webhook's delivery log (default: in memory; @oms/adapters-pg has the PostgreSQL one). */
  readonly shopifyInbox?: ShopifyInbox;
}

export interface AppOptions {
  /** Largest accepted request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Refuse a POST without Idempotency-Key (default false). */
  readonly requireIdempotencyKey?: boolean;
  /** Bearer API keys guarding /v1/orders: `OMS_API_KEYS` text (`id:key,…` or plain keys), a list, or id → key. */
  readonly apiKeys?: ApiKeysOption;
  /**
   * Paths added to this app later (the reference server's `/asyncapi.json`) that the API keys guard too. `/v1/orders*`
   * and `/metrics` always are; `/health`, `/ready`, `/openapi.json` and `/docs` never.
   */
  readonly guardedPaths?: readonly string[];
  /** Enables POST /v1/webhooks/shopify (404 without it). */
  readonly shopifySecret?: string;
  /** Default: pino at `info`. */
  readonly logger?: Logger;
  /** Where the metrics go (default: a new registry for this app). */
  readonly metricsRegistry?: Registry;
  /** Re-decisions after losing a version race (default 10). */
  readonly maxRetries?: number;
  /**
   * Spec §6 (`OMS_CONFIRM_REQUIRES_PAYMENT`): a confirm of an order not yet paid places an `AWAITING_PAYMENT` hold
   * instead; the payment authorization releases it and confirms (default false). Ignored with `deps.execute`.
   */
  readonly confirmRequiresPayment?: boolean;
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
    guardedPaths = [],
    shopifySecret,
    logger = pino({ level: 'info' }),
    metricsRegistry = new Registry(),
    maxRetries = 10,
    title = 'OMS Order Intake',
    version = '1.0.0',
    swaggerUiDir,
    confirmRequiresPayment = false,
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
        confirmRequiresPayment,
      }),
    clock,
    ids,
    ready: deps.ready ?? defaultReady(deps.eventStore),
    metrics: createHttpMetrics(metricsRegistry),
    logger,
    requireIdempotencyKey,
    ...(shopifySecret ? { shopifySecret } : {}),
    shopifyInbox: deps.shopifyInbox ?? createInMemoryShopifyInbox(),
  };

  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestId());
  app.use('*', securityHeaders());
  app.use('*', observe(logger, runtime.metrics));
  // Authentication first: an unauthenticated caller never gets the server to read a body.
  const keys = parseApiKeys(apiKeys);
  // Keys that parse to nothing (",", blanks) would leave the server open: refuse to start instead.
  if (apiKeys !== undefined && keys.length === 0)
    throw new Error(
      'apiKeys names no API key: configure at least one key, or leave the option out',
    );
  const auth = apiKeyAuth(keys);
  for (const path of ['/v1/orders', '/v1/orders/*', '/metrics', ...guardedPaths])
    app.use(path, auth);
  app.use('/v1/*', readBody({ maxBytes: bodyLimit }));

  registerOrderQueries(app, runtime);
  registerOrderCommands(app, runtime);
  registerShopifyWebhook(app, runtime);
  registerSystemRoutes(app, runtime);
  registerOpenApiDocument(app, { title, version });
  registerDocs(app, { title, ...(swaggerUiDir ? { assetsDir: swaggerUiDir } : {}) });

  app.notFound((c) => {
    const allow = allowedMethods(app, c.req.path);
    return allow.length > 0
      ? respondProblem(
          c,
          {
            code: 'method-not-allowed',
            detail: `${c.req.method.slice(0, 20)} is not allowed here; use ${allow.join(', ')}`,
          },
          { Allow: allow.join(', ') },
        )
      : respondProblem(c, {
          code: 'not-found',
          detail: `no route for ${c.req.method.slice(0, 20)} ${c.req.path.slice(0, 200)}`,
        });
  });
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
