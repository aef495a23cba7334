import type { ApplicationError, FieldError } from '@oms/domain';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Codes this API answers with: the application's, plus those of the HTTP layer itself. */
export type ProblemCode =
  | ApplicationError['code']
  | 'malformed-json'
  | 'unsupported-media-type'
  | 'payload-too-large'
  | 'unauthorized'
  | 'not-found'
  | 'method-not-allowed'
  | 'malformed-header';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://oms.example.com/problems/';

const STATUS_AND_TITLE: Record<ProblemCode, readonly [ContentfulStatusCode, string]> = {
  'validation-failed': [422, 'The request is invalid'],
  'mixed-currencies': [422, 'The lines use more than one currency'],
  'malformed-json': [400, 'The body is not valid JSON'],
  'invalid-cursor': [400, 'The cursor is not valid'],
  'unsupported-media-type': [415, 'The body must be application/json'],
  'payload-too-large': [413, 'The body is too large'],
  'order-not-found': [404, 'Order not found'],
  'line-not-found': [404, 'Line not found'],
  'hold-not-found': [404, 'Hold not found'],
  'not-found': [404, 'Not found'],
  'method-not-allowed': [405, 'The method is not allowed on this resource'],
  'malformed-header': [400, 'A request header is malformed'],
  'invalid-state-transition': [409, 'The transition is not allowed in the current status'],
  'order-not-editable': [409, 'The order is no longer editable'],
  'last-line': [409, 'The last line of an order cannot be removed'],
  'over-shipment': [409, 'More would be shipped than remains'],
  'order-on-hold': [409, 'The order is on hold'],
  'concurrency-conflict': [412, 'The order has changed'],
  'unknown-event': [503, 'The order holds events this server version cannot read yet'],
  'idempotency-key-reused': [422, 'The Idempotency-Key was used for a different request'],
  'idempotency-key-in-flight': [409, 'A request with this Idempotency-Key is still running'],
  unauthorized: [401, 'Unauthorized'],
  'service-unavailable': [503, 'Service unavailable'],
  internal: [500, 'Internal server error'],
};

export const statusOf = (code: ProblemCode): ContentfulStatusCode => STATUS_AND_TITLE[code][0];

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: ProblemCode;
  readonly requestId?: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

export interface ProblemInput {
  readonly code: ProblemCode;
  readonly detail: string;
  readonly instance: string;
  readonly requestId?: string;
  readonly status?: ContentfulStatusCode;
  readonly extensions?: Readonly<Record<string, unknown>>;
}

export const problem = ({
  code,
  detail,
  instance,
  requestId,
  status = statusOf(code),
  extensions = {},
}: ProblemInput): Problem => {
  const body: Record<string, unknown> = {
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title: STATUS_AND_TITLE[code][1],
    status,
    detail,
    instance,
    code,
  };
  for (const [key, value] of Object.entries(extensions))
    if (!Object.hasOwn(body, key) && key !== '__proto__') body[key] = value;
  if (requestId) body.requestId = requestId;
  return body as Problem;
};

/** Fields of an application error that are safe and useful to show (never `cause`: it may hold SQL or a stack). */
const PUBLIC_FIELDS = [
  'errors',
  'status',
  'action',
  'lineId',
  'orderId',
  'holdId',
  'holds',
  'requested',
  'remaining',
  'currencies',
  'expectedVersion',
  'actualVersion',
] as const;

const extensionsOf = (error: ApplicationError): Record<string, unknown> => {
  const source = error as unknown as Record<string, unknown>;
  const extensions: Record<string, unknown> = {};
  for (const field of PUBLIC_FIELDS) {
    if (source[field] === undefined) continue;
    extensions[field === 'status' ? 'currentStatus' : field] = source[field];
  }
  return extensions;
};

/** Infrastructure messages may name hosts, SQL or drivers: clients get a fixed text, the logs get the rest. */
const INFRASTRUCTURE_DETAIL: Partial<Record<ProblemCode, string>> = {
  internal: 'an unexpected error occurred; the request id identifies it in the logs',
  'service-unavailable': 'the database is unreachable; retry later',
};

/**
 * The problem for an application error. A version conflict is 412 when the client named the version (If-Match),
 * 409 when the server lost every retry on its own.
 */
export const problemFromError = (
  error: ApplicationError,
  where: { readonly instance: string; readonly requestId?: string; readonly ifMatch?: boolean },
): Problem =>
  problem({
    code: error.code,
    detail: INFRASTRUCTURE_DETAIL[error.code] ?? error.message,
    instance: where.instance,
    ...(where.requestId ? { requestId: where.requestId } : {}),
    ...(error.code === 'concurrency-conflict' && where.ifMatch === false ? { status: 409 } : {}),
    extensions: error.code in INFRASTRUCTURE_DETAIL ? {} : extensionsOf(error),
  });

export const problemResponse = (
  c: Context,
  body: Problem,
  headers: Readonly<Record<string, string>> = {},
): Response =>
  c.body(JSON.stringify(body), body.status as ContentfulStatusCode, {
    ...headers,
    ...(body.status === 503 ? { 'Retry-After': '1' } : {}),
    'Content-Type': PROBLEM_CONTENT_TYPE,
  });

/** Shorthand: answer a problem for this request. */
export const respondProblem = (
  c: Context,
  input: Omit<ProblemInput, 'instance' | 'requestId'>,
  headers: Readonly<Record<string, string>> = {},
): Response =>
  problemResponse(
    c,
    problem({ ...input, instance: c.req.path, requestId: c.get('requestId') as string }),
    headers,
  );
