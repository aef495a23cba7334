import {
  classifyFailure,
  type ExecuteOrderRequest,
  type InboundTopic,
  inboundToRequest,
  isInboundTopic,
  type RequestIdempotency,
  requestFingerprint,
} from '@oms/domain';

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
  /** A valid message that asks for nothing (a LOW risk assessment): committed, no command, no dead letter. */
  | { readonly kind: 'ignored'; readonly reason: string; readonly orderId: string }
  /**
   * Not possible yet (`classifyFailure` is not-yet: delivered before shipped, an order not created yet): tried again
   * later, dead-lettered if it never becomes possible.
   */
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
  /** The one write path (`createExecuteOrderRequest`), shared with the HTTP API. */
  readonly execute: ExecuteOrderRequest;
}

const text = (value: Buffer | string | null): string | null =>
  value === null ? null : typeof value === 'string' ? value : value.toString('utf8');

/**
 * The idempotency key of a message, within its topic (`kafka:<topic>`): the envelope's event id, else a digest of the
 * bare value's content, so a bare message delivered twice (at any offset) is the same message.
 */
export const inboundIdempotencyKey = (
  topic: string,
  value: unknown,
  eventId: string | undefined,
): RequestIdempotency => ({
  source: `kafka:${topic}`,
  key: eventId === undefined ? `content:${requestFingerprint(value)}` : `event:${eventId}`,
});

/**
 * One inbound message through the same write path as the HTTP API, under an idempotency key so that a message
 * delivered twice has one effect: the message is translated into a request, and the domain's outcome into moving
 * on, a dead letter or a retry. Never throws.
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
  if ('nothingToDo' in inbound.value)
    return { kind: 'ignored', reason: inbound.value.nothingToDo, orderId: inbound.value.orderId };
  const { request, eventId } = inbound.value;
  const idempotency = inboundIdempotencyKey(topic, parsed, eventId);
  const where = `${message.topic}/${message.partition}/${message.offset}`;
  const traceparent = message.headers.traceparent;
  const answer = await deps.execute({
    request,
    actor: `kafka:${topic}`,
    correlationId: message.headers['correlation-id'] ?? eventId ?? where,
    causationId: eventId ?? where,
    ...(traceparent ? { traceparent } : {}),
    idempotency,
  });
  if (answer.isErr()) {
    const error = answer.error;
    const failure = classifyFailure(error);
    if (failure === 'transient') return { kind: 'retry', code: error.code, reason: error.message };
    if (failure === 'not-yet')
      return {
        kind: 'defer',
        code: error.code,
        reason: error.message,
        orderId: request.orderId ?? '',
      };
    return {
      kind: 'dead-letter',
      code: error.code,
      reason: error.message,
    };
  }
  const outcome = answer.value;
  if (outcome.kind === 'refused')
    return {
      kind: 'dead-letter',
      code: outcome.error.code,
      reason: `${outcome.replayed ? '(replayed) ' : ''}${outcome.error.message}`,
    };
  return {
    kind: 'applied',
    replayed: outcome.replayed,
    orderId: outcome.orderId,
    idempotencyKey: idempotency.key,
  };
};
