import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  fieldErrors,
  isUuid,
  ListOrdersQuerySchema,
  type OrderQueries,
  type OrderView,
  type RecordedEvent,
  stateFromEvents,
  TimestampSchema,
  toOrderView,
  unstorableTextErrors,
} from '@oms/domain';
import type { Context } from 'hono';
import { etagOf } from '../commands/headers.js';
import { ifNoneMatchHits } from '../conditional/entityTags.js';
import type { AppEnv } from '../env.js';
import { unknownQueryErrors } from '../middleware/queryParams.js';
import {
  jsonResponse,
  orderResponse,
  problemResponses,
  versionedResponse,
} from '../openapi/responses.js';
import {
  IfNoneMatchHeaderSchema,
  OrderEventsSchema,
  OrderIdParamSchema,
  OrderLinesSchema,
  OrderPageSchema,
} from '../openapi/schemas.js';
import { problemFromError, problemResponse, respondProblem } from '../problems/problem.js';
import { CONSISTENCY_TOKEN_HEADER, newestVersionNamed } from '../reads/consistentReads.js';
import type { AppRuntime } from '../runtime.js';

const AsOfQuerySchema = z.object({
  asOf: TimestampSchema.optional().meta({
    description: 'RFC 3339 time: the order as it was then, folded from its events',
  }),
});

const notFound = (c: Context<AppEnv>, orderId: string): Response =>
  respondProblem(c, {
    code: 'order-not-found',
    detail: `order ${orderId.slice(0, 100)} does not exist`,
  });

const failed = (c: Context<AppEnv>, error: Parameters<typeof problemFromError>[0]): Response => {
  if (error.code === 'internal' || error.code === 'service-unavailable')
    c.get('logger').error(
      { err: 'cause' in error ? error.cause : undefined, code: error.code, detail: error.message },
      'query failed',
    );
  return problemResponse(
    c,
    problemFromError(error, { instance: c.req.path, requestId: c.get('requestId') }),
  );
};

/** A body with its ETag; `304` when the client already holds this version (If-None-Match, weak comparison). */
const versionedJson = (c: Context<AppEnv>, body: unknown, version: number): Response => {
  const etag = etagOf(version);
  if (ifNoneMatchHits(c.req.header('If-None-Match'), version))
    return c.body(null, 304, { ETag: etag });
  return c.json(body as object, 200, { ETag: etag });
};

const invalidQuery = (c: Context<AppEnv>, errors: readonly { path: string; message: string }[]) =>
  respondProblem(c, {
    code: 'validation-failed',
    detail:
      errors.length === 1
        ? `${errors[0]?.path}: ${errors[0]?.message}`
        : `${errors.length} query parameters are invalid`,
    extensions: { errors },
  });

const LIST_PARAMETERS = Object.keys(ListOrdersQuerySchema.shape);

/** Every query value as the schema expects it: a string, or an array when repeated. */
const queryObject = (c: Context<AppEnv>): Record<string, string | string[]> => {
  const all = c.req.queries();
  const result: Record<string, string | string[]> = {};
  for (const [key, values] of Object.entries(all)) {
    if (!Object.hasOwn(all, key)) continue;
    result[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return result;
};

const eventJson = (event: RecordedEvent) => ({
  eventId: event.eventId,
  type: event.type,
  schemaVersion: event.schemaVersion,
  streamVersion: event.streamVersion,
  globalPosition: event.globalPosition,
  occurredAt: event.occurredAt,
  data: event.data,
  metadata: event.metadata,
});

const TOKEN_HEADER = {
  'oms-consistency-token': z
    .string()
    .max(64)
    .optional()
    .openapi({
      description:
        'The `OMS-Consistency-Token` of a command response: this read then sees that write (with a read replica, ' +
        'it is served there once the replica has it, else by the primary)',
    }),
};
const CONDITIONAL_GET = z.object({
  'if-none-match': IfNoneMatchHeaderSchema.optional(),
  ...TOKEN_HEADER,
});
const NOT_MODIFIED = {
  description: 'Not modified: If-None-Match names the current version',
  headers: {
    ETag: {
      description: 'The current version',
      required: true,
      schema: { type: 'string' as const },
    },
  },
};

/** The queries for this read, as the consistency token the client sent back decides (422 when it is not ours). */
const readQueries = async (
  c: Context<AppEnv>,
  runtime: AppRuntime,
): Promise<OrderQueries | Response> => {
  const token = c.req.header(CONSISTENCY_TOKEN_HEADER);
  if (token !== undefined && !runtime.reads.isToken(token)) {
    const message = 'must be the token of a command response, sent back unchanged';
    return respondProblem(c, {
      code: 'validation-failed',
      detail: `header.${CONSISTENCY_TOKEN_HEADER}: ${message}`,
      extensions: { errors: [{ path: `header.${CONSISTENCY_TOKEN_HEADER}`, message }] },
    });
  }
  return runtime.reads.queriesFor(token);
};

/**
 * The order as this read may see it. An answer from a copy (a replica) that is older than the version the client
 * names in If-None-Match, or no answer at all, is read again on the primary: a client never goes back in time.
 */
const currentOrder = async (c: Context<AppEnv>, runtime: AppRuntime, orderId: string) => {
  const queries = await readQueries(c, runtime);
  if (queries instanceof Response) return queries;
  const order = await queries.getOrder(orderId);
  if (order.isErr() || queries === runtime.reads.primary) return order;
  const held = newestVersionNamed(c.req.header('If-None-Match'));
  if (order.value !== null && (held === undefined || order.value.version >= held)) return order;
  runtime.reads.countReread?.();
  return runtime.reads.primary.getOrder(orderId);
};

const QUERY_ROUTE_BASE = { tags: ['orders'], security: [{ bearerAuth: [] }] };

export const registerOrderQueries = (app: OpenAPIHono<AppEnv>, runtime: AppRuntime): void => {
  const { eventStore } = runtime;

  app.openAPIRegistry.registerPath(
    createRoute({
      ...QUERY_ROUTE_BASE,
      method: 'get',
      path: '/v1/orders',
      operationId: 'listOrders',
      summary: 'List orders, newest first (keyset cursor)',
      request: { query: ListOrdersQuerySchema, headers: z.object(TOKEN_HEADER) },
      responses: {
        200: {
          ...jsonResponse('A page of order summaries', OrderPageSchema),
          headers: {
            'Cache-Control': {
              description: '`no-store`',
              required: true,
              schema: { type: 'string' },
            },
          },
        },
        ...problemResponses([400, 401, 422, 503]),
      },
    }),
  );
  app.get('/v1/orders', async (c) => {
    const parsed = ListOrdersQuerySchema.safeParse(queryObject(c));
    const nul = parsed.success ? unstorableTextErrors(parsed.data) : [];
    const unknown = unknownQueryErrors(c, LIST_PARAMETERS);
    if (!parsed.success || nul.length > 0 || unknown.length > 0) {
      const errors = [
        ...(parsed.success
          ? nul.map((error) => ({ ...error, path: `query.${error.path}` }))
          : fieldErrors(parsed.error, ['query'])),
        ...unknown,
      ];
      return invalidQuery(c, errors);
    }
    const queries = await readQueries(c, runtime);
    if (queries instanceof Response) return queries;
    const page = await queries.listOrders(parsed.data);
    return page.isErr() ? failed(c, page.error) : c.json(page.value, 200);
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      ...QUERY_ROUTE_BASE,
      method: 'get',
      path: '/v1/orders/{orderId}',
      operationId: 'getOrder',
      summary: 'An order; with asOf, the order as it was at that time',
      request: { params: OrderIdParamSchema, query: AsOfQuerySchema, headers: CONDITIONAL_GET },
      responses: {
        200: orderResponse('The order'),
        304: NOT_MODIFIED,
        ...problemResponses([401, 404, 422, 503]),
      },
    }),
  );
  app.get('/v1/orders/:orderId', async (c) => {
    const orderId = c.req.param('orderId');
    if (!isUuid(orderId)) return notFound(c, orderId);
    const unknown = unknownQueryErrors(c, ['asOf']);
    if (unknown.length > 0) return invalidQuery(c, unknown);
    const asOfText = c.req.queries('asOf');
    if (asOfText !== undefined) {
      const asOf = AsOfQuerySchema.safeParse({ asOf: asOfText.at(-1) });
      if (!asOf.success || asOf.data.asOf === undefined) {
        const errors = asOf.success
          ? [{ path: 'query.asOf', message: 'must be an RFC 3339 date-time' }]
          : fieldErrors(asOf.error, ['query']);
        return respondProblem(c, {
          code: 'validation-failed',
          detail: `query.asOf: ${errors[0]?.message ?? 'invalid'}`,
          extensions: { errors },
        });
      }
      const stream = await eventStore.readStream(orderId, { asOf: new Date(asOf.data.asOf) });
      if (stream.isErr()) return failed(c, stream.error);
      const state = stateFromEvents(stream.value.events);
      if (state.status === 'NONE')
        return respondProblem(c, {
          code: 'order-not-found',
          detail: `order ${orderId} did not exist at ${asOf.data.asOf}`,
        });
      return versionedJson(c, toOrderView(state), state.version);
    }
    const order = await currentOrder(c, runtime, orderId);
    if (order instanceof Response) return order;
    if (order.isErr()) return failed(c, order.error);
    return order.value ? versionedJson(c, order.value, order.value.version) : notFound(c, orderId);
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      ...QUERY_ROUTE_BASE,
      method: 'get',
      path: '/v1/orders/{orderId}/lines',
      operationId: 'getOrderLines',
      summary: "An order's lines",
      request: { params: OrderIdParamSchema, headers: CONDITIONAL_GET },
      responses: {
        200: versionedResponse('The lines', OrderLinesSchema),
        304: NOT_MODIFIED,
        ...problemResponses([401, 404, 422, 503]),
      },
    }),
  );
  app.get('/v1/orders/:orderId/lines', async (c) => {
    const orderId = c.req.param('orderId');
    if (!isUuid(orderId)) return notFound(c, orderId);
    const unknown = unknownQueryErrors(c, []);
    if (unknown.length > 0) return invalidQuery(c, unknown);
    const order = await currentOrder(c, runtime, orderId);
    if (order instanceof Response) return order;
    if (order.isErr()) return failed(c, order.error);
    const view: OrderView | null = order.value;
    return view ? versionedJson(c, view.lines, view.version) : notFound(c, orderId);
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      ...QUERY_ROUTE_BASE,
      method: 'get',
      path: '/v1/orders/{orderId}/events',
      operationId: 'getOrderEvents',
      summary: "An order's stored events, oldest first",
      request: { params: OrderIdParamSchema, headers: CONDITIONAL_GET },
      responses: {
        200: versionedResponse('The events', OrderEventsSchema),
        304: NOT_MODIFIED,
        ...problemResponses([401, 404, 422, 503]),
      },
    }),
  );
  app.get('/v1/orders/:orderId/events', async (c) => {
    const orderId = c.req.param('orderId');
    if (!isUuid(orderId)) return notFound(c, orderId);
    const unknown = unknownQueryErrors(c, []);
    if (unknown.length > 0) return invalidQuery(c, unknown);
    const stream = await eventStore.readStream(orderId);
    if (stream.isErr()) return failed(c, stream.error);
    if (stream.value.version === 0) return notFound(c, orderId);
    return versionedJson(c, stream.value.events.map(eventJson), stream.value.version);
  });
};
