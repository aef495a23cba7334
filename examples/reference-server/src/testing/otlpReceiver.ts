import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A span as an OTLP receiver got it: what a test asserts on (kind as on the wire: 3 CLIENT, 4 PRODUCER, …). */
export interface ReceivedSpan {
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

export interface OtlpReceiver {
  /** For `OTEL_EXPORTER_OTLP_ENDPOINT`: the exporter posts to `<endpoint>/v1/traces`. */
  readonly endpoint: string;
  readonly spans: () => readonly ReceivedSpan[];
  stop(): Promise<void>;
}

type Field = { readonly number: number; readonly value: bigint | Buffer };

/** The fields of one protobuf message (wire types 0, 1, 2 and 5: all that OTLP uses). */
const fields = (buffer: Buffer): Field[] => {
  const found: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buffer[at++] ?? 0;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < buffer.length) {
    const key = Number(varint());
    const wire = key & 7;
    const start = at;
    if (wire === 0) found.push({ number: key >> 3, value: varint() });
    else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      found.push({ number: key >> 3, value: buffer.subarray(start, at) });
    } else if (wire === 2) {
      const length = Number(varint());
      found.push({ number: key >> 3, value: buffer.subarray(at, at + length) });
      at += length;
    } else throw new Error(`protobuf wire type ${wire} is not used by OTLP`);
  }
  return found;
};

const messages = (buffer: Buffer, number: number): Buffer[] =>
  fields(buffer).flatMap((field) =>
    field.number === number && Buffer.isBuffer(field.value) ? [field.value] : [],
  );

/** An `AnyValue` of the scalar kinds (string 1, bool 2, int 3, double 4). */
const scalar = (anyValue: Buffer): string | number | boolean | undefined => {
  const [field] = fields(anyValue);
  if (!field) return undefined;
  const { number, value } = field;
  if (number === 1 && Buffer.isBuffer(value)) return value.toString('utf8');
  if (number === 2 && typeof value === 'bigint') return value !== 0n;
  if (number === 3 && typeof value === 'bigint') return Number(BigInt.asIntN(64, value));
  if (number === 4 && Buffer.isBuffer(value)) return value.readDoubleLE(0);
  return undefined;
};

/** `ExportTraceServiceRequest` → resource_spans (1) → scope_spans (2) → spans (2): name 5, kind 6, attributes 9. */
const decodeSpans = (request: Buffer): ReceivedSpan[] =>
  messages(request, 1)
    .flatMap((resourceSpans) => messages(resourceSpans, 2))
    .flatMap((scopeSpans) => messages(scopeSpans, 2))
    .map((span) => {
      const attributes: Record<string, string | number | boolean> = {};
      for (const keyValue of messages(span, 9)) {
        const key = messages(keyValue, 1)[0]?.toString('utf8');
        const value = messages(keyValue, 2)[0];
        const decoded = value && scalar(value);
        if (key !== undefined && decoded !== undefined) attributes[key] = decoded;
      }
      const kind = fields(span).find((field) => field.number === 6)?.value;
      return {
        name: messages(span, 5)[0]?.toString('utf8') ?? '',
        kind: typeof kind === 'bigint' ? Number(kind) : 0,
        attributes,
      };
    });

/**
 * An OTLP/HTTP receiver on a free local port: accepts `POST /v1/traces` in protobuf (the only encoding of
 * `@opentelemetry/exporter-trace-otlp-proto`, which registerSdk uses) and keeps the spans.
 */
export const startOtlpReceiver = async (): Promise<OtlpReceiver> => {
  const received: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks);
      try {
        received.push(
          ...decodeSpans(request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body),
        );
      } catch {
        response.writeHead(400).end();
        return;
      }
      // an empty ExportTraceServiceResponse: everything accepted
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => received,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
