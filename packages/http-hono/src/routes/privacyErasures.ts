import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { fieldErrors } from '@oms/domain';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../middleware/jsonBody.js';
import { jsonResponse, problemResponses } from '../openapi/responses.js';
import type { PersonalDataEraser } from '../privacy/personalDataEraser.js';
import { respondProblem } from '../problems/problem.js';

export const ERASURES_PATH = '/v1/privacy/erasures';

const ErasureRequestSchema = z
  .object({ email: z.email().max(320) })
  .strict()
  .meta({ id: 'ErasureRequest' });

const ErasureAcceptedSchema = z
  .object({
    email: z.string(),
    orders: z.number().int().meta({
      description:
        'Orders of this customer whose personal data is erased (the same when the request is repeated)',
    }),
  })
  .meta({ id: 'ErasureAccepted' });

/**
 * `POST /v1/privacy/erasures` (spec §7): erases a customer's personal data, idempotent, 202 with the count of
 * orders. An API key is always required: with none configured the route answers 401 (erasure is never open).
 */
export const registerPrivacyErasures = (
  app: OpenAPIHono<AppEnv>,
  eraser: PersonalDataEraser | undefined,
  keysConfigured: boolean,
): void => {
  if (!eraser) return;
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: ERASURES_PATH,
      operationId: 'erasePersonalData',
      tags: ['privacy'],
      summary:
        'Erase a customer’s personal data (names, e-mail, phone, addresses) from every order',
      description:
        'Destroys the customer’s data keys (crypto-shredding): their orders and events show "[erased]" in those fields, listing by the e-mail finds nothing, and `order.personal_data_erased` is published per order on `oms.orders.privacy`. Status, lines, totals and versions do not change. Idempotent.',
      request: { body: { content: { 'application/json': { schema: ErasureRequestSchema } } } },
      responses: {
        202: jsonResponse('Erased', ErasureAcceptedSchema),
        ...problemResponses([400, 401, 415, 422, 503]),
      },
    }),
  );
  app.post(ERASURES_PATH, async (c) => {
    if (!keysConfigured)
      return respondProblem(c, {
        code: 'unauthorized',
        detail: 'erasing personal data needs an API key: configure OMS_API_KEYS',
      });
    const body = jsonBody(c);
    if (body.isErr()) return respondProblem(c, body.error);
    const parsed = ErasureRequestSchema.safeParse(body.value);
    if (!parsed.success)
      return respondProblem(c, {
        code: 'validation-failed',
        detail: 'the body must be {"email": "<address>"}',
        extensions: { errors: fieldErrors(parsed.error) },
      });
    try {
      const { orders } = await eraser.erase(parsed.data.email);
      c.get('logger')?.info({ orders, actor: c.get('actor') }, 'personal data erased');
      return c.json({ email: parsed.data.email, orders }, 202);
    } catch (error) {
      // the erasure is one transaction and idempotent: nothing half-done is left, a retry is safe
      c.get('logger')?.error({ err: error }, 'personal data erasure failed');
      return respondProblem(c, {
        code: 'service-unavailable',
        detail: 'the erasure did not complete; nothing was changed, retry',
      });
    }
  });
};
