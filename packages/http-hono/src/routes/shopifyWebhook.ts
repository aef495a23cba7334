import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  ORDER_INPUT_SCHEMAS,
  type OrderError,
  OrderViewSchema,
  parseInput,
  unstorableTextErrors,
  validationFailed,
} from '@oms/domain';
import type { Context } from 'hono';
import { err, ok, type Result } from 'neverthrow';
import { etagOf } from '../commands/headers.js';
import { runCommand } from '../commands/runCommand.js';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../middleware/jsonBody.js';
import { jsonResponse, problemResponses } from '../openapi/responses.js';
import { respondProblem } from '../problems/problem.js';
import type { AppRuntime } from '../runtime.js';
import { mapShopifyOrder, shopifyIdOf, shopifyOrderId } from '../shopify/mapShopifyOrder.js';
import { verifyShopifySignature } from '../shopify/signature.js';

const PATH = '/v1/webhooks/shopify';
/** The actor of the webhook's events, and the idempotency source of its keys (no client can use them). */
const ACTOR = 'shopify';

const IgnoredSchema = z.object({ ignored: z.boolean(), topic: z.string() });

const missingId = (c: Context<AppEnv>): Response =>
  respondProblem(c, {
    code: 'validation-failed',
    detail: 'id: the Shopify order id is missing',
    extensions: { errors: [{ path: 'id', message: 'a positive integer is required' }] },
  });

export const registerShopifyWebhook = (app: OpenAPIHono<AppEnv>, runtime: AppRuntime): void => {
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: PATH,
      operationId: 'shopifyWebhook',
      tags: ['webhooks'],
      summary:
        'Shopify orders/create (creates an ECOMMERCE order, once) and orders/cancelled; other topics are ignored',
      request: {
        headers: z.object({
          'x-shopify-hmac-sha256': z
            .string()
            .meta({ description: 'base64 HMAC-SHA256 of the raw body' }),
          'x-shopify-topic': z.string().meta({ example: 'orders/create' }),
        }),
        body: {
          required: true,
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        },
      },
      responses: {
        200: {
          description: 'Done (or already done, or a topic this service ignores)',
          content: { 'application/json': { schema: z.union([OrderViewSchema, IgnoredSchema]) } },
        },
        201: jsonResponse('Order created', OrderViewSchema),
        ...problemResponses([400, 401, 404, 413, 415, 422, 503]),
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
    if (!verifyShopifySignature(c.get('rawBody'), c.req.header('X-Shopify-Hmac-Sha256'), secret))
      return respondProblem(c, {
        code: 'unauthorized',
        detail: 'the X-Shopify-Hmac-Sha256 signature does not match the body',
      });
    const topic = c.req.header('X-Shopify-Topic') ?? '';
    if (topic !== 'orders/create' && topic !== 'orders/cancelled')
      return c.json({ ignored: true, topic: topic.slice(0, 100) }, 200);

    const body = jsonBody(c);
    if (body.isErr()) return respondProblem(c, body.error);
    const shopifyId = shopifyIdOf(body.value);
    if (shopifyId === undefined) return missingId(c);
    const payload = body.value as Record<string, unknown>;
    const orderId = shopifyOrderId(shopifyId, payload.created_at);

    const existing = await runtime.queries.getOrder(orderId);
    const current = existing.isOk() ? existing.value : null;

    if (topic === 'orders/create') {
      if (current)
        return c.json(current, 200, {
          ETag: etagOf(current.version),
          'Idempotent-Replayed': 'true',
        });
      const input = parseInput(ORDER_INPUT_SCHEMAS.CreateOrder, mapShopifyOrder(payload)).andThen(
        (value): Result<typeof value, OrderError> => {
          const nul = unstorableTextErrors(value);
          return nul.length > 0 ? err(validationFailed(nul)) : ok(value);
        },
      );
      if (input.isErr())
        return respondProblem(c, {
          code: 'validation-failed',
          detail: input.error.message,
          extensions: { errors: 'errors' in input.error ? input.error.errors : [] },
        });
      return runCommand(c, runtime, {
        request: { type: 'CreateOrder', orderId, input: input.value },
        created: true,
        actor: ACTOR,
        // One key per Shopify order: a redelivery is the same request, whatever else its payload carries.
        idempotency: {
          source: ACTOR,
          key: `shopify-${shopifyId}`,
          identity: { topic, shopifyId },
        },
      });
    }

    if (current?.status === 'CANCELLED')
      return c.json(current, 200, { ETag: etagOf(current.version), 'Idempotent-Replayed': 'true' });
    const cancelReason = typeof payload.cancel_reason === 'string' ? payload.cancel_reason : '';
    const input = {
      reason: `cancelled in Shopify${cancelReason ? `: ${cancelReason.slice(0, 400)}` : ''}`,
    };
    return runCommand(c, runtime, {
      request: { type: 'CancelOrder', orderId, input },
      actor: ACTOR,
      idempotency: {
        source: ACTOR,
        key: `shopify-cancelled-${shopifyId}`,
        identity: { topic, shopifyId },
      },
    });
  });
};
