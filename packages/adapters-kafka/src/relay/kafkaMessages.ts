import type { RelayMessage } from './buildMessages.js';
import type { OutboundRecord } from './publisher.port.js';

/** Transport headers beside the contract's: where the message comes from in the order's stream and the store. */
export const STREAM_VERSION_HEADER = 'oms-stream-version';
export const POSITION_HEADER = 'oms-position';

/** A record batch's fixed overhead and a generous bound of one record's own (lengths, offsets, timestamps). */
const BATCH_OVERHEAD_BYTES = 61;
const RECORD_OVERHEAD_BYTES = 64;

export const toOutboundRecord = (message: RelayMessage): OutboundRecord => ({
  topic: message.topic,
  key: message.key,
  value: JSON.stringify(message.value),
  headers: {
    ...message.headers,
    [STREAM_VERSION_HEADER]: String(message.streamVersion),
    [POSITION_HEADER]: String(message.sourcePosition),
  },
});

/** The bytes a record takes in a record batch before compression, rounded up. */
export const recordBytes = (record: OutboundRecord): number => {
  let bytes =
    RECORD_OVERHEAD_BYTES + Buffer.byteLength(record.key) + Buffer.byteLength(record.value);
  for (const name in record.headers)
    bytes += Buffer.byteLength(name) + Buffer.byteLength(record.headers[name] ?? '');
  return bytes;
};

/** A record ready to send, with its size. */
export interface SizedMessage {
  readonly record: OutboundRecord;
  readonly bytes: number;
  readonly source: RelayMessage;
}

export const sized = (message: RelayMessage): SizedMessage => {
  const record = toOutboundRecord(message);
  return { record, bytes: recordBytes(record), source: message };
};

/** The sized records of each stored event, by global position (serialized once, where the batch is read). */
export const sizeByEvent = (
  messages: readonly RelayMessage[],
): ReadonlyMap<number, readonly SizedMessage[]> => {
  const byPosition = new Map<number, SizedMessage[]>();
  for (const message of messages) {
    let list = byPosition.get(message.sourcePosition);
    if (!list) {
      list = [];
      byPosition.set(message.sourcePosition, list);
    }
    list.push(sized(message));
  }
  return byPosition;
};

/** True when a message alone is over the limit: it can never be published with these settings. */
export const tooLarge = (message: SizedMessage, maxBytes: number): boolean =>
  message.bytes + BATCH_OVERHEAD_BYTES > maxBytes;

/**
 * Cuts records, in order, into requests in which no topic gets more than `maxBytes` (so no partition's record
 * batch can exceed it, whichever partition the key lands on). Sent one after the other, the requests keep every
 * partition's order. A message alone over the limit must have been parked before.
 */
export const chunkByBytes = (
  messages: readonly SizedMessage[],
  maxBytes: number,
): OutboundRecord[][] => {
  const chunks: OutboundRecord[][] = [];
  let chunk: OutboundRecord[] = [];
  let topicBytes = new Map<string, number>();
  for (const message of messages) {
    const topic = message.record.topic;
    const bytes = topicBytes.get(topic) ?? BATCH_OVERHEAD_BYTES;
    if (bytes > BATCH_OVERHEAD_BYTES && bytes + message.bytes > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      topicBytes = new Map();
    }
    chunk.push(message.record);
    topicBytes.set(topic, (topicBytes.get(topic) ?? BATCH_OVERHEAD_BYTES) + message.bytes);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
};
