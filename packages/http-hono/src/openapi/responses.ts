import { z } from '@hono/zod-openapi';
import { OrderViewSchema } from '@oms/domain';
import { DEFAULT_JSON_SHAPE_LIMITS, type JsonShapeLimits } from '../json/jsonShape.js';
import { PROBLEM_CONTENT_TYPE } from '../problems/problem.js';
import { IdempotencyKeyHeaderSchema, IfMatchHeaderSchema, ProblemSchema } from './schemas.js';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: `Malformed JSON (or nested deeper than ${DEFAULT_JSON_SHAPE_LIMITS.maxDepth} levels, or more than ${DEFAULT_JSON_SHAPE_LIMITS.maxContainers} arrays and objects), a bad cursor, or a malformed If-Match`,
  401: 'Missing or invalid API key (or Shopify signature)',
  404: 'Unknown order or line',
  405: 'The method is not allowed on this path; Allow lists the ones that are',
  409: 'Transition not allowed, order not editable, an Idempotency-Key still in flight, or a version race lost on every retry',
  412: 'If-Match names no current version (strong comparison: weak tags never match)',
  413: 'Body over the limit (1 MiB by default; the request body says how many bytes); the connection is closed after the answer',
  415: 'Body is not application/json',
  422: 'Validation failed (every field, header and query parameter listed at once), or an Idempotency-Key reused for another request',
  500: 'Unexpected error (no details: the request id identifies it in the logs)',
  503: 'Database unreachable; retry after Retry-After seconds',
};

const text = (description: string, required = false) => ({
  description,
  required,
  schema: { type: 'string' as const },
});

const PROBLEM_HEADERS: Record<number, Record<string, ReturnType<typeof text>>> = {
  401: { 'WWW-Authenticate': text('`Bearer realm="oms"` when API keys are configured') },
  405: { Allow: text('The methods this path answers', true) },
  413: { Connection: text('`close`: the rest of the body is not read', true) },
  503: {
    'Retry-After': {
      description: 'Seconds to wait before retrying',
      required: true,
      schema: { type: 'string' as const },
    },
  },
};

const problemContent = { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } };

/** The problem responses of an operation: the statuses it answers, plus 500 and a default (any other problem). */
export const problemResponses = (statuses: readonly number[]) => ({
  ...Object.fromEntries(
    [...statuses, 500].map((status) => [
      status,
      {
        description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
        ...(PROBLEM_HEADERS[status] ? { headers: PROBLEM_HEADERS[status] } : {}),
        content: problemContent,
      },
    ]),
  ),
  default: { description: 'Any other problem (RFC 9457)', content: problemContent },
});

const ETAG = text('The order version, quoted (`"3"`): send it back in If-Match', true);
const REPLAYED = text(
  '`true` when this is the stored answer to an earlier request with the same Idempotency-Key',
);
const NO_STORE = text('`no-store`: orders carry personal data', true);

const CONSISTENCY_TOKEN = text(
  'Read-your-writes: send it back as the `OMS-Consistency-Token` header of a following GET or list, which then ' +
    'sees this write even when reads are served by a replica (only when the server has a read replica)',
);

export const orderResponse = (description: string, { created = false, command = false } = {}) => ({
  description,
  headers: {
    ETag: ETAG,
    'Cache-Control': NO_STORE,
    ...(command ? { 'OMS-Consistency-Token': CONSISTENCY_TOKEN } : {}),
    ...(created
      ? { Location: text('The new order: /v1/orders/{orderId}', true) }
      : { 'Idempotent-Replayed': REPLAYED }),
  },
  content: { 'application/json': { schema: OrderViewSchema } },
});

export const jsonResponse = (description: string, schema: z.ZodType) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A JSON response carrying the version (lines, events). */
export const versionedResponse = (description: string, schema: z.ZodType) => ({
  description,
  headers: { ETag: ETAG, 'Cache-Control': NO_STORE },
  content: { 'application/json': { schema } },
});

export const commandHeaders = (withIfMatch: boolean) =>
  withIfMatch
    ? z.object({
        'idempotency-key': IdempotencyKeyHeaderSchema.optional(),
        'if-match': IfMatchHeaderSchema.optional(),
      })
    : z.object({ 'idempotency-key': IdempotencyKeyHeaderSchema.optional() });

/** What every request body may be, as `readBody` and the JSON shape check enforce it. */
export interface RequestLimits {
  /** The largest body in bytes (`createApp`'s `bodyLimit`). */
  readonly bodyBytes: number;
  readonly json?: JsonShapeLimits;
  /** What a body over the nesting limits gets (default: 400). */
  readonly overNesting?: string;
}

/**
 * A JSON request body with its limits, in words and as `x-max-*` extensions (OpenAPI has no keyword for a body's
 * size or nesting): over the size 413, over the nesting 400, both checked before the body is parsed.
 */
export const jsonRequestBody = (
  schema: z.ZodType,
  required: boolean,
  { bodyBytes, json = DEFAULT_JSON_SHAPE_LIMITS, overNesting = '400' }: RequestLimits,
) => ({
  required,
  description: `At most ${bodyBytes} bytes (413 beyond, whether or not Content-Length is sent); JSON nested at most ${json.maxDepth} levels deep, with at most ${json.maxContainers} arrays and objects (${overNesting} beyond, refused before parsing).`,
  'x-max-body-bytes': bodyBytes,
  'x-max-json-depth': json.maxDepth,
  'x-max-json-containers': json.maxContainers,
  content: { 'application/json': { schema } },
});
