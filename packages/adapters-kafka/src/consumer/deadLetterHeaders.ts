import type { IHeaders } from 'kafkajs';
import type { InboundMessage } from './processInbound.js';

/** Kafka headers as text (the first value of a repeated header). */
export const headerText = (headers: IHeaders | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
};

/** The headers of a dead-lettered message: the original ones plus why and where it came from. */
export const deadLetterHeaders = (
  message: Pick<InboundMessage, 'topic' | 'partition' | 'offset' | 'headers'>,
  outcome: { readonly code: string; readonly reason: string },
  groupId: string,
  failedAt: Date,
): Record<string, string> => {
  const original: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers))
    if (value !== undefined) original[name] = value;
  return {
    ...original,
    'x-dlq-code': outcome.code,
    'x-dlq-reason': outcome.reason.slice(0, 2_000),
    'x-dlq-source-topic': message.topic,
    'x-dlq-source-partition': String(message.partition),
    'x-dlq-source-offset': message.offset,
    'x-dlq-consumer-group': groupId,
    'x-dlq-failed-at': failedAt.toISOString(),
  };
};
