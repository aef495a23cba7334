import type {
  ApplicationError,
  OrderRequest,
  OrderRequestExecution,
  OrderRequestOutcome,
  RequestIdempotency,
} from '@oms/domain';
import type { Context } from 'hono';
import { okAsync, type Result } from 'neverthrow';
import { resolveIfMatch } from '../conditional/ifMatch.js';
import type { AppEnv } from '../env.js';
import { problemFromError, problemResponse, respondProblem } from '../problems/problem.js';
import { CONSISTENCY_TOKEN_HEADER } from '../reads/consistentReads.js';
import type { AppRuntime } from '../runtime.js';
import { activeTraceparent } from '../tracing/activeTraceparent.js';
import { etagOf, parseIdempotencyKey } from './headers.js';

export interface CommandCall {
  readonly request: OrderRequest;
  /** 201 + Location for a create. */
  readonly created?: boolean;
  /** Overrides the Idempotency-Key header (the Shopify webhook keys by the Shopify order id, in its own source). */
  readonly idempotency?: RequestIdempotency;
  readonly actor?: string;
  /** The Idempotency-Key header as the route already parsed it (so its problems join the body's); else parsed here. */
  readonly idempotencyKeyHeader?: Result<string | undefined, string>;
}

const TRACEPARENT = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const CORRELATION = /^[\w\-.:@]{1,128}$/;

/** The idempotency source of a client's Idempotency-Key: its API key (or `anonymous`), never a webhook's or a topic's. */
export const httpIdempotencySource = (actor: string): string => `http:${actor}`;

const REPLAYED = { 'Idempotent-Replayed': 'true' } as const;

/** The HTTP rendering of what the request came to: the order with its ETag (201 + Location on a first create). */
const render = (
  c: Context<AppEnv>,
  outcome: OrderRequestOutcome,
  created: boolean,
  where: Parameters<typeof problemFromError>[1],
  token: string | undefined,
): Response => {
  const replayed = outcome.replayed ? REPLAYED : {};
  if (outcome.kind === 'refused')
    return problemResponse(c, problemFromError(outcome.error, where), replayed);
  const first = created && !outcome.replayed;
  return c.json(outcome.view, first ? 201 : 200, {
    ETag: etagOf(outcome.version),
    ...(created ? { Location: `/v1/orders/${outcome.orderId}` } : {}),
    ...(token ? { [CONSISTENCY_TOKEN_HEADER]: token } : {}),
    ...replayed,
  });
};

const invalidKey = (c: Context<AppEnv>, message: string): Response =>
  respondProblem(c, {
    code: 'validation-failed',
    detail: message,
    extensions: { errors: [{ path: 'header.Idempotency-Key', message }] },
  });

/** The rendered answer, and the domain's error when the request failed in the domain (recorded or not). */
export interface CommandResponse {
  readonly response: Response;
  /**
   * The refusal or failure as the domain gave it, for `classifyFailure`; absent on success and on problems of the
   * HTTP request itself (a bad Idempotency-Key or If-Match header).
   */
  readonly failure?: ApplicationError;
}

/**
 * Translates one HTTP command request into the domain's `executeOrderRequest` (Idempotency-Key within the caller's
 * source, If-Match, correlation and trace ids) and renders its outcome: the order with its ETag, or a problem.
 */
export const runCommand = async (
  c: Context<AppEnv>,
  runtime: AppRuntime,
  call: CommandCall,
): Promise<Response> => (await executeCommand(c, runtime, call)).response;

/** `runCommand`, keeping the domain's error beside the response (the Shopify webhook classifies it). */
export const executeCommand = async (
  c: Context<AppEnv>,
  runtime: AppRuntime,
  call: CommandCall,
): Promise<CommandResponse> => {
  const type = call.request.type;
  const count = (outcome: string) => runtime.metrics.commands.inc({ type, outcome });

  const keyHeader =
    call.idempotencyKeyHeader ?? parseIdempotencyKey(c.req.header('Idempotency-Key'));
  if (keyHeader.isErr()) {
    count('validation-failed');
    return { response: invalidKey(c, keyHeader.error) };
  }
  const actor = call.actor ?? c.get('actor') ?? 'anonymous';
  const idempotency: RequestIdempotency | undefined =
    call.idempotency ??
    (keyHeader.value === undefined
      ? undefined
      : { source: httpIdempotencySource(actor), key: keyHeader.value });
  if (idempotency === undefined && runtime.requireIdempotencyKey && c.req.method === 'POST') {
    count('validation-failed');
    return {
      response: invalidKey(c, 'this server requires an Idempotency-Key header on every POST'),
    };
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
    return { response: respondProblem(c, expected.error) };
  }

  // the request's span when tracing is on (the relay links its publish to it), else the caller's header as it came
  const header = c.req.header('traceparent');
  const traceparent =
    activeTraceparent() ?? (header !== undefined && TRACEPARENT.test(header) ? header : undefined);
  const correlation = c.req.header('X-Correlation-Id');
  const execution: OrderRequestExecution = {
    request: call.request,
    actor,
    correlationId:
      correlation !== undefined && CORRELATION.test(correlation) ? correlation : c.get('requestId'),
    ...(traceparent !== undefined ? { traceparent } : {}),
    ...(expected.value !== undefined ? { expectedVersion: expected.value } : {}),
    ...(idempotency ? { idempotency } : {}),
  };
  const where = {
    instance: c.req.path,
    requestId: c.get('requestId'),
    ifMatch: expected.value !== undefined,
  };

  const result = await runtime.execute(execution);
  if (result.isErr()) {
    const error: ApplicationError = result.error;
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
    return { response: problemResponse(c, problemFromError(error, where)), failure: error };
  }
  const outcome = result.value;
  count(outcome.replayed ? 'replayed' : outcome.kind === 'refused' ? outcome.error.code : 'ok');
  // After the commit: a read that sends this token back sees this write (a replica waits for it or is skipped).
  const token = outcome.kind === 'refused' ? undefined : await runtime.reads.tokenAfterWrite();
  const response = render(c, outcome, call.created === true, where, token);
  return outcome.kind === 'refused' ? { response, failure: outcome.error } : { response };
};
