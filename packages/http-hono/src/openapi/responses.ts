import { z } from '@hono/zod-openapi';
import { OrderViewSchema } from '@oms/domain';
import { PROBLEM_CONTENT_TYPE } from '../problems/problem.js';
import { IdempotencyKeyHeaderSchema, IfMatchHeaderSchema, ProblemSchema } from './schemas.js';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON or a bad cursor',
  401: 'Missing or invalid API key',
  404: 'Unknown order or line',
  409: 'Transition not allowed, order not editable, or an Idempotency-Key still in flight',
  412: 'Stale If-Match',
  413: 'Body over the limit',
  415: 'Body is not application/json',
  422: 'Validation failed (every field listed), or an Idempotency-Key reused for another request',
  503: 'Database unreachable',
};

export const problemResponses = (statuses: readonly number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
      },
    ]),
  );

const etagHeader = {
  ETag: { description: 'The order version, quoted', schema: { type: 'string' as const } },
};

export const orderResponse = (description: string) => ({
  description,
  headers: etagHeader,
  content: { 'application/json': { schema: OrderViewSchema } },
});

export const jsonResponse = (description: string, schema: z.ZodType) => ({
  description,
  content: { 'application/json': { schema } },
});

export const commandHeaders = (withIfMatch: boolean) =>
  withIfMatch
    ? z.object({
        'idempotency-key': IdempotencyKeyHeaderSchema.optional(),
        'if-match': IfMatchHeaderSchema.optional(),
      })
    : z.object({ 'idempotency-key': IdempotencyKeyHeaderSchema.optional() });
