import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  classifyFailure,
  type OrderError,
  type OrderView,
  OrderViewSchema,
  toOrderRequest,
} from '@oms/domain';
import type { Context } from 'hono';
import { etagOf } from '../commands/headers.js';
import { type CommandResponse, executeCommand } from '../commands/runCommand.js';
import type { AppEnv } from '../env.js';
import { jsonRequestBody, jsonResponse, problemResponses } from '../openapi/responses.js';
import { respondProblem } from '../problems/problem.js';
import type { AppRuntime } from '../runtime.js';
import { cleanText } from '../shopify/cleanText.js';
import { mapShopifyOrder, shopifyIdOf, shopifyOrderId } from '../shopify/mapShopifyOrder.js';
import { parseShopifyPayload } from '../shopify/parseShopifyPayload.js';
import type { ShopifyDeliveryIds } from '../shopify/shopifyInbox.js';
import { verifyShopifySignature } from '../shopify/signature.js';

const PATH = '/v1/webhooks/shopify';
/** The actor of the webhook's events, and the idempotency source of its keys (no client can use them). */
const ACTOR = 'shopify';
const HANDLED = new Set(['orders/create', 'orders/cancelled']);
const DELIVERY_ID = /^[\x21-\x7e]{1,255}$/;

const AckSchema = z
  .object({
    outcome: z.enum(['ignored', 'duplicate', 'parked']).meta({
      description:
        'ignored: a topic this service does not handle; duplicate: this webhook or event id was handled before; parked: the payload cannot be mapped and was kept for review (`pnpm oms shopify parked`)',
    }),
    topic: z.string().max(100),
    reason: z.string().optional(),
  })
  .meta({ id: 'ShopifyAck' });

const headerId = (value: string | undefined): string | undefined =>
  value !== undefined && DELIVERY_ID.test(value) ? value : undefined;

const deliveryIds = (c: Context<AppEnv>): ShopifyDeliveryIds => {
  const webhookId = headerId(c.req.header('X-Shopify-Webhook-Id'));
  const eventId = headerId(c.req.header('X-Shopify-Event-Id'));
  return {
    ...(webhookId !== undefined ? { webhookId } : {}),
    ...(eventId !== undefined ? { eventId } : {}),
  };
};

const replay = (c: Context<AppEnv>, order: OrderView): Response =>
  c.json(order, 200, { ETag: etagOf(order.version), 'Idempotent-Replayed': 'true' });

/** A request the domain refused to build, in one line: its message and every field. */
const reasonOf = (error: OrderError): string =>
  [
    error.message,
    ...('errors' in error ? error.errors.map((e) => `${e.path}: ${e.message}`) : []),
  ].join('; ');

/** The one-line reason of a problem response. */
const problemReason = async (response: Response): Promise<string> => {
  try {
    const body = (await response.clone().json()) as {
      code?: string;
      detail?: string;
      errors?: { path: string; message: string }[];
    };
    const fields = (body.errors ?? []).map((error) => `${error.path}: ${error.message}`);
    const code = body.code ?? String(response.status);
    return [`${code}: ${body.detail ?? ''}`, ...fields].join('; ');
  } catch {
    return `answered ${response.status}`;
  }
};

/**
 * Whether Shopify should deliver this again: the domain's `classifyFailure` decides (not-yet and transient are
 * retried: the order has not arrived yet, a key in flight, a lost race, the store down); a final refusal is parked.
 * A problem of the HTTP request itself (no domain error) is retried only when it is a server error.
 */
const shouldRetry = ({ response, failure }: CommandResponse): boolean =>
  failure !== undefined ? classifyFailure(failure) !== 'final' : response.status >= 500;

export const registerShopifyWebhook = (app: OpenAPIHono<AppEnv>, runtime: AppRuntime): void => {
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: PATH,
      operationId: 'shopifyWebhook',
      tags: ['webhooks'],
      security: [],
      summary:
        'Shopify orders/create (creates an ECOMMERCE order, once) and orders/cancelled; other topics are ignored',
      description:
        "Guarded by the HMAC signature alone. Deliveries are deduplicated by X-Shopify-Webhook-Id and X-Shopify-Event-Id as well as by the Shopify order id. A payload that cannot be mapped is parked (kept with the reason) and answered 200, so that Shopify does not retry it forever; a cancel whose order has not arrived yet answers 404, so that Shopify retries it (whether a failure is retried or parked is the domain's `classifyFailure`: not-yet and transient are retried, final is parked). Unknown query parameters are accepted and ignored (Shopify may add some), unlike on the order routes, which answer 422.",
      request: {
        headers: z.object({
          'x-shopify-hmac-sha256': z
            .string()
            .regex(/^[A-Za-z0-9+/]{43}=$/)
            .meta({ description: 'base64 HMAC-SHA256 of the raw body (exactly one header)' }),
          'x-shopify-topic': z.string().meta({ example: 'orders/create' }),
          'x-shopify-webhook-id': z.string().max(255).optional().meta({
            description:
              'The delivery id; a delivery seen before is answered 200 and not processed again',
          }),
          'x-shopify-event-id': z.string().max(255).optional().meta({
            description:
              'The event id (the same across subscriptions); deduplicated like the webhook id',
          }),
        }),
        body: jsonRequestBody(z.record(z.string(), z.unknown()), true, {
          ...runtime.limits,
          overNesting: 'parked and answered 200',
        }),
      },
      responses: {
        200: {
          description:
            'Done, already done (Idempotent-Replayed: true), a duplicate delivery, a parked payload, or a topic this service ignores',
          content: { 'application/json': { schema: z.union([OrderViewSchema, AckSchema]) } },
        },
        201: jsonResponse('Order created', OrderViewSchema),
        ...problemResponses([401, 404, 409, 413, 500, 503]),
      },
    }),
  );

  app.post(PATH, async (c) => {
    const secret = runtime.shopifySecret;
    if (!secret)
      return respondProblem(c, {
        code: 'not-found',
        detail: 'the Shopify webhook is not configured',
      });
    const topicHeader = c.req.header('X-Shopify-Topic') ?? '';
    const topic = HANDLED.has(topicHeader) ? topicHeader : 'other';
    const count = (outcome: string) => runtime.metrics.shopifyDeliveries.inc({ topic, outcome });
    const raw = c.get('rawBody');
    if (!verifyShopifySignature(raw, c.req.header('X-Shopify-Hmac-Sha256'), secret)) {
      count('unauthorized');
      return respondProblem(c, {
        code: 'unauthorized',
        detail: 'the X-Shopify-Hmac-Sha256 header must be one base64 signature matching the body',
      });
    }
    if (topic === 'other') {
      count('ignored');
      return c.json({ outcome: 'ignored', topic: cleanText(topicHeader).slice(0, 100) }, 200);
    }

    const ids = deliveryIds(c);
    const inbox = runtime.shopifyInbox;
    let shopifyId: string | undefined;
    const park = async (reason: string): Promise<Response> => {
      const cleanReason = cleanText(reason).slice(0, 2_000);
      await inbox.record({
        ...ids,
        topic,
        ...(shopifyId !== undefined ? { shopifyOrderId: shopifyId } : {}),
        outcome: 'parked',
        reason: cleanReason,
        payload: raw,
      });
      count('parked');
      c.get('logger').warn(
        { topic, ...ids, shopifyId, reason: cleanReason },
        'Shopify delivery parked',
      );
      return c.json({ outcome: 'parked', topic, reason: cleanReason }, 200);
    };
    const processed = async (response: Response, outcome = 'processed'): Promise<Response> => {
      await inbox.record({
        ...ids,
        topic,
        ...(shopifyId !== undefined ? { shopifyOrderId: shopifyId } : {}),
        outcome: 'processed',
      });
      count(outcome);
      return response;
    };
    /** 2xx: recorded; a failure a retry resolves: answered as it is (Shopify retries); a final one: parked. */
    const settle = async (result: CommandResponse): Promise<Response> => {
      const { response } = result;
      if (response.status < 300) return processed(response);
      if (!shouldRetry(result)) return park(await problemReason(response));
      count('retry');
      return response;
    };

    try {
      if (await inbox.seen(ids)) {
        count('duplicate');
        return c.json({ outcome: 'duplicate', topic }, 200);
      }
      const payload = parseShopifyPayload(raw);
      if (payload.isErr()) return await park(payload.error);
      shopifyId = shopifyIdOf(payload.value);
      if (shopifyId === undefined) return await park('the Shopify order id (id) is missing');
      const orderId = shopifyOrderId(shopifyId, payload.value.created_at);
      const existing = await runtime.queries.getOrder(orderId);
      const current = existing.isOk() ? existing.value : null;

      if (topic === 'orders/create') {
        if (current) return await processed(replay(c, current), 'replayed');
        const request = toOrderRequest('CreateOrder', { orderId }, mapShopifyOrder(payload.value));
        if (request.isErr()) return await park(reasonOf(request.error));
        const response = await executeCommand(c, runtime, {
          request: request.value,
          created: true,
          actor: ACTOR,
          // One key per Shopify order: a redelivery is the same request, whatever else its payload carries.
          idempotency: {
            source: ACTOR,
            key: `shopify-${shopifyId}`,
            identity: { topic, shopifyId },
          },
        });
        return await settle(response);
      }

      if (current?.status === 'CANCELLED') return await processed(replay(c, current), 'replayed');
      if (!current && (await inbox.createParked(shopifyId)))
        return await park(`the orders/create of Shopify order ${shopifyId} was parked`);
      const cancelReason =
        typeof payload.value.cancel_reason === 'string'
          ? cleanText(payload.value.cancel_reason)
          : '';
      const request = toOrderRequest(
        'CancelOrder',
        { orderId },
        { reason: `cancelled in Shopify${cancelReason ? `: ${cancelReason.slice(0, 400)}` : ''}` },
      );
      if (request.isErr()) return await park(reasonOf(request.error));
      const response = await executeCommand(c, runtime, {
        request: request.value,
        actor: ACTOR,
        idempotency: {
          source: ACTOR,
          key: `shopify-cancelled-${shopifyId}`,
          identity: { topic, shopifyId },
        },
      });
      return await settle(response);
    } catch (error) {
      count('retry');
      c.get('logger').error({ err: error, topic, ...ids }, 'Shopify delivery log unavailable');
      return respondProblem(c, {
        code: 'service-unavailable',
        detail: 'the webhook delivery log is unreachable; retry later',
      });
    }
  });
};
