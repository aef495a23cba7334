import { createHash } from 'node:crypto';
import {
  type ApplicationError,
  type CommandOutcome,
  type IdempotencyStore,
  type InboundTopic,
  inboundToRequest,
  isInboundTopic,
  type OrderCommandHandler,
  runIdempotent,
  type StoredResponse,
} from '@oms/domain';
import { mayBecomePossible } from './mayBecomePossible.js';

export interface InboundMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export type InboundOutcome =
  /** The command ran (or had already run: `replayed`). */
  | {
      readonly kind: 'applied';
      readonly replayed: boolean;
      readonly orderId: string;
      readonly idempotencyKey: string;
    }
  /** Not possible yet (delivered before shipped): tried again later, dead-lettered if it never becomes possible. */
  | {
      readonly kind: 'defer';
      readonly code: string;
      readonly reason: string;
      readonly orderId: string;
    }
  /** A poison message: it can never succeed, so it goes to the dead-letter topic. */
  | { readonly kind: 'dead-letter'; readonly code: string; readonly reason: string }
  /** Infrastructure trouble (the store is down, a race): the same message is tried again later. */
  | { readonly kind: 'retry'; readonly code: string; readonly reason: string };

export interface ProcessInboundDeps {
  readonly handle: OrderCommandHandler;
  readonly idempotency: IdempotencyStore;
  /** How long an idempotency claim holds before a crashed attempt can be taken over (default 30 s). */
  readonly idempotencyLeaseMs?: number;
}

/** Failures that say nothing final about the message. */
const TRANSIENT: ReadonlySet<ApplicationError['code']> = new Set([
  'service-unavailable',
  'internal',
  'concurrency-conflict',
  'idempotency-key-in-flight',
]);

const text = (value: Buffer | string | null): string | null =>
  value === null ? null : typeof value === 'string' ? value : value.toString('utf8');

/** The idempotency key of a message: the envelope's event id, else where the message sits in the log. */
export const inboundIdempotencyKey = (
  message: Pick<InboundMessage, 'topic' | 'partition' | 'offset'>,
  eventId: string | undefined,
): string =>
  eventId === undefined
    ? `kafka:${message.topic}:${message.partition}:${message.offset}`
    : `kafka:event:${eventId}`;

const fingerprintOf = (topic: string, request: unknown): string =>
  createHash('sha256')
    .update(`${topic}\n${JSON.stringify(request)}`)
    .digest('base64url');

const respond = (outcome: CommandOutcome): StoredResponse => ({
  status: 200,
  body: { orderId: outcome.view.id, status: outcome.view.status, version: outcome.version },
});

const respondError = (error: ApplicationError): StoredResponse => ({
  status: 422,
  body: { code: error.code, message: error.message },
});

/**
 * One inbound message through the same use case as the HTTP API, under an idempotency key so that a message
 * delivered twice has one effect. Never throws: the outcome says whether to move on, dead-letter or retry.
 */
export const processInbound = async (
  deps: ProcessInboundDeps,
  message: InboundMessage,
): Promise<InboundOutcome> => {
  if (!isInboundTopic(message.topic))
    return {
      kind: 'dead-letter',
      code: 'unknown-topic',
      reason: `${message.topic} is not an inbound topic`,
    };
  const topic: InboundTopic = message.topic;
  const raw = text(message.value);
  if (raw === null || raw.trim() === '')
    return { kind: 'dead-letter', code: 'malformed-json', reason: 'the message has no value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    return {
      kind: 'dead-letter',
      code: 'malformed-json',
      reason: `the value is not JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
    };
  }
  const inbound = inboundToRequest(topic, parsed);
  if (inbound.isErr())
    return {
      kind: 'dead-letter',
      code: inbound.error.code,
      reason:
        inbound.error.code === 'validation-failed'
          ? inbound.error.errors
              .map((error) => `${error.path || 'value'}: ${error.message}`)
              .join('; ')
          : inbound.error.message,
    };
  const { request, eventId } = inbound.value;
  const key = inboundIdempotencyKey(message, eventId);
  const where = `${message.topic}/${message.partition}/${message.offset}`;
  const traceparent = message.headers.traceparent;
  const answer = await runIdempotent(
    { idempotency: deps.idempotency, handle: deps.handle },
    {
      idempotency: {
        key,
        fingerprint: fingerprintOf(topic, request),
        ...(deps.idempotencyLeaseMs === undefined ? {} : { leaseMs: deps.idempotencyLeaseMs }),
      },
      request,
      context: {
        actor: `kafka:${topic}`,
        correlationId: message.headers['correlation-id'] ?? eventId ?? where,
        causationId: eventId ?? where,
        ...(traceparent ? { traceparent } : {}),
      },
      respond,
      respondError,
      isFinal: (error) => !mayBecomePossible(error),
    },
  );
  if (answer.isErr()) {
    const error = answer.error;
    if (mayBecomePossible(error))
      return {
        kind: 'defer',
        code: error.code,
        reason: error.message,
        orderId: request.orderId ?? '',
      };
    return TRANSIENT.has(error.code)
      ? { kind: 'retry', code: error.code, reason: error.message }
      : { kind: 'dead-letter', code: error.code, reason: error.message };
  }
  const { response, replayed } = answer.value;
  if (response.status >= 400) {
    const body = response.body as { code?: string; message?: string } | undefined;
    return {
      kind: 'dead-letter',
      code: body?.code ?? 'rejected',
      reason: `${replayed ? '(replayed) ' : ''}${body?.message ?? 'the command was refused'}`,
    };
  }
  return { kind: 'applied', replayed, orderId: request.orderId ?? '', idempotencyKey: key };
};
