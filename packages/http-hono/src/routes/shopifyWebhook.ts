import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { money, type OrderView, OrderViewSchema, toOrderRequest } from '@oms/domain';
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
import { shopifyCapture } from '../shopify/shopifyPayment.js';
import { verifyShopifySignature } from '../shopify/signature.js';
import { deliveryIds, problemReason, reasonOf, shouldRetry } from '../shopify/webhookReasons.js';

const PATH = '/v1/webhooks/shopify';
/** The actor of the webhook's events, and the idempotency source of its keys (no client can use them). */
const ACTOR = 'shopify';
const HANDLED = new Set(['orders/create', 'orders/cancelled', 'orders/paid']);

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

const replay = (c: Context<AppEnv>, order: OrderView): Response =>
  c.json(order, 200, { ETag: etagOf(order.version), 'Idempotent-Replayed': 'true' });

export const registerShopifyWebhook = (app: OpenAPIHono<AppEnv>, runtime: AppRuntime): void => {
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: PATH,
      operationId: 'shopifyWebhook',
      tags: ['webhooks'],
      security: [],
      summary:
        'Shopify orders/create (creates an ECOMMERCE order, once, with its payment), orders/cancelled and orders/paid (records the capture); other topics are ignored',
      description:
        "Guarded by the HMAC signature alone. Deliveries are deduplicated by X-Shopify-Webhook-Id and X-Shopify-Event-Id as well as by the Shopify order id. A payload that cannot be mapped is parked (kept with the reason) and answered 200, so that Shopify does not retry it forever; a cancel or an orders/paid whose order has not arrived yet answers 404, so that Shopify retries it (whether a failure is retried or parked is the domain's `classifyFailure`: not-yet and transient are retried, final is parked). orders/create maps `financial_status` to the create's `payment` (`authorized` → AUTHORIZED, `paid` → CAPTURED, `partially_paid` → CAPTURED for `total_price − total_outstanding`; `pending`, `unpaid`, `voided`, `refunded`, `partially_refunded` or none → no payment, PENDING); orders/paid records a CAPTURED payment. Both use the payment id `shopify:<Shopify order id>` and provider `shopify`, and cap the amount at the order total (the lines only: Shopify's `total_price` adds shipping and tax, and a payment above the order total is refused). Unknown query parameters are accepted and ignored (Shopify may add some), unlike on the order routes, which answer 422.",
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

      if (!current && (await inbox.createParked(shopifyId)))
        return await park(`the orders/create of Shopify order ${shopifyId} was parked`);

      if (topic === 'orders/paid') {
        // Capped at the order's total (lines only; Shopify's total_price adds shipping and tax).
        const total = current
          ? money(current.orderTotal.amount, current.orderTotal.currencyCode)
          : undefined;
        const capture = shopifyCapture(
          payload.value,
          shopifyId,
          total?.isOk() ? total.value : undefined,
        );
        if (!capture)
          return await park('no amount can be read (total_price, line_items, currency)');
        const request = toOrderRequest('RecordPayment', { orderId }, capture);
        if (request.isErr()) return await park(reasonOf(request.error));
        const response = await executeCommand(c, runtime, {
          request: request.value,
          actor: ACTOR,
          idempotency: {
            source: ACTOR,
            key: `shopify-paid-${shopifyId}`,
            identity: { topic, shopifyId },
          },
        });
        return await settle(response);
      }

      if (current?.status === 'CANCELLED') return await processed(replay(c, current), 'replayed');
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
