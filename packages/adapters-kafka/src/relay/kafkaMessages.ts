import type { Message } from 'kafkajs';
import type { RelayMessage } from './buildMessages.js';

/** Transport headers beside the contract's: where the message comes from in the order's stream and the store. */
export const STREAM_VERSION_HEADER = 'oms-stream-version';
export const POSITION_HEADER = 'oms-position';

/** A record batch's fixed overhead and a generous bound of one record's own (lengths, offsets, timestamps). */
const BATCH_OVERHEAD_BYTES = 61;
const RECORD_OVERHEAD_BYTES = 64;

export const toKafkaMessage = (message: RelayMessage): Message => ({
  key: message.key,
  value: JSON.stringify(message.value),
  headers: {
    ...message.headers,
    [STREAM_VERSION_HEADER]: String(message.streamVersion),
    [POSITION_HEADER]: String(message.sourcePosition),
  },
});

/** The bytes a message takes in a record batch before compression, rounded up. */
export const messageBytes = (message: Message): number => {
  let bytes = RECORD_OVERHEAD_BYTES;
  bytes += message.key === null || message.key === undefined ? 0 : Buffer.byteLength(message.key);
  bytes +=
    message.value === null || message.value === undefined ? 0 : Buffer.byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {}))
    bytes += Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  return bytes;
};

/** A message ready to send, with its size. */
export interface SizedMessage {
  readonly topic: string;
  readonly message: Message;
  readonly bytes: number;
  readonly source: RelayMessage;
}

export const sized = (message: RelayMessage): SizedMessage => {
  const kafkaMessage = toKafkaMessage(message);
  return {
    topic: message.topic,
    message: kafkaMessage,
    bytes: messageBytes(kafkaMessage),
    source: message,
  };
};

/** True when a message alone is over the limit: it can never be published with these settings. */
export const tooLarge = (message: SizedMessage, maxBytes: number): boolean =>
  message.bytes + BATCH_OVERHEAD_BYTES > maxBytes;

export type TopicMessages = { readonly topic: string; readonly messages: Message[] };

/**
 * Cuts messages, in order, into requests in which no topic gets more than `maxBytes` (so no partition's record
 * batch can exceed it, whichever partition the key lands on). Sent one after the other, the requests keep every
 * partition's order. A message alone over the limit must have been parked before.
 */
export const chunkByBytes = (
  messages: readonly SizedMessage[],
  maxBytes: number,
): TopicMessages[][] => {
  const chunks: TopicMessages[][] = [];
  let topics = new Map<string, { messages: Message[]; bytes: number }>();
  const flush = () => {
    if (topics.size === 0) return;
    chunks.push([...topics].map(([topic, { messages: list }]) => ({ topic, messages: list })));
    topics = new Map();
  };
  for (const message of messages) {
    const current = topics.get(message.topic);
    if (current && current.bytes + message.bytes > maxBytes) flush();
    const slot = topics.get(message.topic) ?? { messages: [], bytes: BATCH_OVERHEAD_BYTES };
    slot.messages.push(message.message);
    slot.bytes += message.bytes;
    topics.set(message.topic, slot);
  }
  flush();
  return chunks;
};
