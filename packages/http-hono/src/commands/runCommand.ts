import {
  type ApplicationError,
  type CommandContext,
  type CommandOutcome,
  type IdempotentAnswer,
  type OrderRequest,
  runIdempotent,
  type StoredResponse,
} from '@oms/domain';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { okAsync, type ResultAsync } from 'neverthrow';
import { resolveIfMatch } from '../conditional/ifMatch.js';
import type { AppEnv } from '../env.js';
import {
  PROBLEM_CONTENT_TYPE,
  problemFromError,
  problemResponse,
  respondProblem,
} from '../problems/problem.js';
import type { AppRuntime } from '../runtime.js';
import { requestFingerprint } from './fingerprint.js';
import { etagOf, parseIdempotencyKey } from './headers.js';

export interface CommandCall {
  readonly request: OrderRequest;
  /** The validated input, for the idempotency fingerprint. */
  readonly input: unknown;
  /** 201 + Location for a create. */
  readonly created?: boolean;
  /** Overrides the Idempotency-Key header (the Shopify webhook keys by the Shopify order id). */
  readonly idempotency?: { readonly key: string; readonly fingerprint: string };
  readonly actor?: string;
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const CORRELATION = /^[\w\-.:@]{1,128}$/;

/** The answer to a successful command: the order, its ETag, and Location for a create. */
const successResponse = (outcome: CommandOutcome, created: boolean): StoredResponse => ({
  status: created ? 201 : 200,
  body: outcome.view,
  headers: {
    ETag: etagOf(outcome.version),
    ...(created ? { Location: `/v1/orders/${outcome.view.id}` } : {}),
  },
});

const send = (c: Context<AppEnv>, response: StoredResponse, replayed: boolean): Response => {
  const status = (
    replayed && response.status === 201 ? 200 : response.status
  ) as ContentfulStatusCode;
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  if (replayed) headers['Idempotent-Replayed'] = 'true';
  if (response.status >= 400) headers['Content-Type'] = PROBLEM_CONTENT_TYPE;
  return response.status >= 400
    ? c.body(JSON.stringify(response.body), status, headers)
    : c.json(response.body as object, status, headers);
};

/**
 * Runs one command for an HTTP request: Idempotency-Key (replay, reuse, in flight), If-Match (412 when stale;
 * without it the handler re-decides on a conflict), then the order with its ETag, or a problem.
 */
export const runCommand = async (
  c: Context<AppEnv>,
  runtime: AppRuntime,
  call: CommandCall,
): Promise<Response> => {
  const type = call.request.type;
  const count = (outcome: string) => runtime.metrics.commands.inc({ type, outcome });

  const keyHeader = parseIdempotencyKey(c.req.header('Idempotency-Key'));
  if (keyHeader.isErr()) {
    count('validation-failed');
    return respondProblem(c, {
      code: 'validation-failed',
      detail: keyHeader.error,
      extensions: { errors: [{ path: 'header.Idempotency-Key', message: keyHeader.error }] },
    });
  }
  const actor = call.actor ?? c.get('actor') ?? 'anonymous';
  // Keys are scoped to the API key that sent them: another client's same key is another request, never a replay.
  const idempotency =
    call.idempotency ??
    (keyHeader.value === undefined
      ? undefined
      : {
          key: actor === 'anonymous' ? keyHeader.value : `${actor}:${keyHeader.value}`,
          fingerprint: requestFingerprint(c.req.method, c.req.path, call.input),
        });
  if (idempotency === undefined && runtime.requireIdempotencyKey && c.req.method === 'POST') {
    count('validation-failed');
    const message = 'this server requires an Idempotency-Key header on every POST';
    return respondProblem(c, {
      code: 'validation-failed',
      detail: message,
      extensions: { errors: [{ path: 'header.Idempotency-Key', message }] },
    });
  }

  const ifMatch = call.created ? undefined : c.req.header('If-Match');
  const orderId = 'orderId' in call.request ? call.request.orderId : undefined;
  const expected = await resolveIfMatch(ifMatch, () =>
    orderId === undefined
      ? okAsync(0)
      : runtime.eventStore.readStream(orderId).map((stream) => stream.version),
  );
  if (expected.isErr()) {
    count(expected.error.code);
    return respondProblem(c, expected.error);
  }

  const traceparent = c.req.header('traceparent');
  const correlation = c.req.header('X-Correlation-Id');
  const context: Omit<CommandContext, 'idempotency'> = {
    actor,
    correlationId:
      correlation !== undefined && CORRELATION.test(correlation) ? correlation : c.get('requestId'),
    ...(traceparent !== undefined && TRACEPARENT.test(traceparent) ? { traceparent } : {}),
    ...(expected.value !== undefined ? { expectedVersion: expected.value } : {}),
  };
  const where = {
    instance: c.req.path,
    requestId: c.get('requestId'),
    ifMatch: expected.value !== undefined,
  };
  const respond = (outcome: CommandOutcome) => successResponse(outcome, call.created === true);
  const respondError = (error: ApplicationError): StoredResponse => {
    const body = problemFromError(error, where);
    return { status: body.status, body };
  };

  const answer: ResultAsync<IdempotentAnswer, ApplicationError> =
    idempotency && runtime.idempotency
      ? runIdempotent(
          { idempotency: runtime.idempotency, handle: runtime.handle },
          { idempotency, request: call.request, context, respond, respondError },
        )
      : runtime.handle(call.request, context).map((outcome) => ({
          response: respond(outcome),
          replayed: false,
          outcome,
        }));

  const result = await answer;
  if (result.isErr()) {
    const error = result.error;
    count(error.code);
    if (error.code === 'internal' || error.code === 'service-unavailable')
      c.get('logger').error(
        {
          err: 'cause' in error ? error.cause : undefined,
          code: error.code,
          detail: error.message,
        },
        'command failed',
      );
    return problemResponse(c, problemFromError(error, where));
  }
  const { response, replayed } = result.value;
  count(
    replayed
      ? 'replayed'
      : response.status >= 400
        ? String((response.body as { code?: unknown }).code ?? response.status)
        : 'ok',
  );
  return send(c, response, replayed);
};
