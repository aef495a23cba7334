/**
 * Just enough of the Kafka wire protocol for the test proxy: frames, and the Metadata, FindCoordinator and Produce
 * layouts kafkajs 2.2.4 uses (none of them flexible-encoded).
 */
import type { Socket } from 'node:net';

/** Calls `onFrame` with every complete size-prefixed Kafka frame (size included) read from the socket. */
export const frames = (socket: Socket, onFrame: (frame: Buffer) => void): void => {
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const size = buffered.readInt32BE(0);
      if (buffered.length < 4 + size) break;
      onFrame(buffered.subarray(0, 4 + size));
      buffered = buffered.subarray(4 + size);
    }
  });
};

export type PortOf = (host: string, port: number) => number | undefined;

class Reader {
  offset: number;
  constructor(
    readonly buffer: Buffer,
    offset: number,
  ) {
    this.offset = offset;
  }
  int16(): number {
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  int32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  int8(): number {
    const value = this.buffer.readInt8(this.offset);
    this.offset += 1;
    return value;
  }
  skip(bytes: number): void {
    this.offset += bytes;
  }
  string(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

const int16 = (value: number) => {
  const buffer = Buffer.alloc(2);
  buffer.writeInt16BE(value);
  return buffer;
};
const int32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
};
const string = (value: string | null) => {
  if (value === null) return int16(-1);
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([int16(bytes.length), bytes]);
};
const framed = (body: Buffer[]): Buffer => {
  const payload = Buffer.concat(body);
  return Buffer.concat([int32(payload.length), payload]);
};

/** The topics a Metadata request names (empty: every topic). */
export const metadataRequestTopics = (frame: Buffer): string[] => {
  const reader = new Reader(frame, 12);
  reader.string(); // client id
  const count = reader.int32();
  const topics: string[] = [];
  for (let index = 0; index < count; index += 1) topics.push(reader.string() ?? '');
  return topics;
};

/** Skips one topic of a Metadata response (v1..v8) and returns its name. */
const skipMetadataTopic = (reader: Reader, version: number): string => {
  reader.int16();
  const name = reader.string() ?? '';
  reader.int8();
  const partitions = reader.int32();
  for (let index = 0; index < partitions; index += 1) {
    reader.skip(2 + 4 + 4 + (version >= 7 ? 4 : 0));
    for (let list = 0; list < (version >= 5 ? 3 : 2); list += 1) reader.skip(4 * reader.int32());
  }
  if (version >= 8) reader.int32();
  return name;
};

/**
 * Rewrites brokers to the proxy's listeners and the controller id to a real broker; `hidden` topics are left out
 * of a listing and answered UNKNOWN_TOPIC_OR_PARTITION when asked for by name (a broker without them).
 */
export const rewriteMetadata = (
  frame: Buffer,
  version: number,
  host: string,
  portOf: PortOf,
  hidden: ReadonlySet<string> = new Set(),
  requested: readonly string[] = [],
): Buffer => {
  const reader = new Reader(frame, 8);
  const out: Buffer[] = [frame.subarray(4, 8)];
  if (version >= 3) out.push(int32(reader.int32()));
  const count = reader.int32();
  out.push(int32(count));
  const nodeIds: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const nodeId = reader.int32();
    const brokerHost = reader.string() ?? '';
    const brokerPort = reader.int32();
    nodeIds.push(nodeId);
    const proxied = portOf(brokerHost, brokerPort);
    out.push(int32(nodeId), string(proxied === undefined ? brokerHost : host));
    out.push(int32(proxied ?? brokerPort));
    if (version >= 1) out.push(string(reader.string()));
  }
  if (version >= 2) out.push(string(reader.string()));
  if (version >= 1) {
    const controllerId = reader.int32();
    const first = nodeIds[0];
    out.push(int32(nodeIds.includes(controllerId) || first === undefined ? controllerId : first));
  }
  if (hidden.size === 0 || version < 1) {
    out.push(frame.subarray(reader.offset));
    return framed(out);
  }
  const topics: Buffer[] = [];
  const topicCount = reader.int32();
  for (let index = 0; index < topicCount; index += 1) {
    const start = reader.offset;
    const name = skipMetadataTopic(reader, version);
    if (!hidden.has(name)) topics.push(frame.subarray(start, reader.offset));
    else if (requested.includes(name))
      topics.push(
        Buffer.concat([
          int16(UNKNOWN_TOPIC_OR_PARTITION),
          string(name),
          Buffer.from([0]),
          int32(0),
          ...(version >= 8 ? [int32(-2_147_483_648)] : []),
        ]),
      );
  }
  out.push(int32(topics.length), ...topics, frame.subarray(reader.offset));
  return framed(out);
};

const UNKNOWN_TOPIC_OR_PARTITION = 3;
const MESSAGE_TOO_LARGE = 10;

/** The record-set sizes of a Produce request (v3..v7) by topic and partition. */
export const produceRecordSets = (
  frame: Buffer,
): { topic: string; partition: number; bytes: number }[] => {
  const reader = new Reader(frame, 12);
  reader.string(); // client id
  reader.string(); // transactional id
  reader.int16(); // acks
  reader.int32(); // timeout
  const sets: { topic: string; partition: number; bytes: number }[] = [];
  const topics = reader.int32();
  for (let index = 0; index < topics; index += 1) {
    const topic = reader.string() ?? '';
    const partitions = reader.int32();
    for (let p = 0; p < partitions; p += 1) {
      const partition = reader.int32();
      const bytes = reader.int32();
      reader.skip(Math.max(0, bytes));
      sets.push({ topic, partition, bytes });
    }
  }
  return sets;
};

/** A Produce response (v3..v7) refusing every partition of the request with MESSAGE_TOO_LARGE, as a broker does. */
export const refuseProduce = (
  correlationId: number,
  version: number,
  sets: readonly { topic: string; partition: number }[],
): Buffer => {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of sets)
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
  const out: Buffer[] = [int32(correlationId), int32(byTopic.size)];
  const minusOne = Buffer.alloc(8, 0xff);
  for (const [topic, partitions] of byTopic) {
    out.push(string(topic), int32(partitions.length));
    for (const partition of partitions)
      out.push(
        int32(partition),
        int16(MESSAGE_TOO_LARGE),
        minusOne,
        ...(version >= 2 ? [minusOne] : []),
        ...(version >= 5 ? [minusOne] : []),
      );
  }
  out.push(int32(0));
  return framed(out);
};

export const rewriteFindCoordinator = (
  frame: Buffer,
  version: number,
  host: string,
  portOf: PortOf,
): Buffer => {
  const reader = new Reader(frame, 8);
  const out: Buffer[] = [frame.subarray(4, 8)];
  if (version >= 1) out.push(int32(reader.int32()));
  out.push(int16(reader.int16()));
  if (version >= 1) out.push(string(reader.string()));
  const nodeId = reader.int32();
  const brokerHost = reader.string() ?? '';
  const brokerPort = reader.int32();
  const proxied = portOf(brokerHost, brokerPort);
  out.push(int32(nodeId), string(proxied === undefined ? brokerHost : host));
  out.push(int32(proxied ?? brokerPort));
  out.push(frame.subarray(reader.offset));
  return framed(out);
};
