import { connect, createServer, type Server, type Socket } from 'node:net';

export interface KafkaProxy {
  /** The proxy's addresses, one per upstream broker: give these to the client. */
  readonly brokers: readonly string[];
  /** A broker outage: every open connection is destroyed and new ones are refused until `restore()`. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  readonly isCut: boolean;
  close(): Promise<void>;
}

export interface KafkaProxyOptions {
  /** Every broker of the upstream cluster (`host:port`), as it advertises itself in Metadata. */
  readonly upstreams: readonly string[];
  /** The host the proxy listens on and advertises (default 127.0.0.1). */
  readonly host?: string;
}

const API_METADATA = 3;
const API_FIND_COORDINATOR = 10;
/** Metadata is flexible (compact encoding) from v9 and FindCoordinator from v3; kafkajs 2.2.4 uses neither. */
const MAX_METADATA_VERSION = 8;
const MAX_FIND_COORDINATOR_VERSION = 2;

interface Upstream {
  readonly host: string;
  readonly port: number;
}

const parseAddress = (address: string): Upstream => {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
};

/**
 * A Kafka-aware TCP proxy: one listener per upstream broker, rewriting the brokers' host and port in Metadata
 * and FindCoordinator responses to its own listeners (so that the client never connects around it) and the
 * controller id to a real broker (librdkafka's mock cluster reports controller 0, which does not exist, so admin
 * requests fail without this). Cutting it is a real outage for the client; the cluster keeps its data.
 */
export const startKafkaProxy = async (options: KafkaProxyOptions): Promise<KafkaProxy> => {
  const host = options.host ?? '127.0.0.1';
  const upstreams = options.upstreams.map(parseAddress);
  const sockets = new Set<Socket>();
  let cut = false;
  const servers: Server[] = upstreams.map((upstream) =>
    createServer((client) => pipe(client, upstream)),
  );
  const ports: number[] = [];
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  for (const server of servers) ports.push(await listen(server, 0));

  const proxyPortOf = (upstreamHost: string, upstreamPort: number): number | undefined => {
    const exact = upstreams.findIndex((u) => u.host === upstreamHost && u.port === upstreamPort);
    const index = exact >= 0 ? exact : upstreams.findIndex((u) => u.port === upstreamPort);
    return index >= 0 ? ports[index] : undefined;
  };

  const rewrite = (apiKey: number, version: number, frame: Buffer): Buffer => {
    try {
      if (apiKey === API_METADATA && version <= MAX_METADATA_VERSION)
        return rewriteMetadata(frame, version, host, proxyPortOf);
      if (apiKey === API_FIND_COORDINATOR && version <= MAX_FIND_COORDINATOR_VERSION)
        return rewriteFindCoordinator(frame, version, host, proxyPortOf);
    } catch {
      // an unexpected layout is passed through untouched
    }
    return frame;
  };

  function pipe(client: Socket, upstream: Upstream): void {
    if (cut) {
      client.destroy();
      return;
    }
    const server = connect(upstream.port, upstream.host);
    sockets.add(client);
    sockets.add(server);
    const requests = new Map<number, { apiKey: number; version: number }>();
    const closeBoth = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    server.on('error', closeBoth).on('close', closeBoth);
    client.pause();
    server.once('connect', () => client.resume());
    frames(client, (frame) => {
      if (frame.length >= 12)
        requests.set(frame.readInt32BE(8), {
          apiKey: frame.readInt16BE(4),
          version: frame.readInt16BE(6),
        });
      server.write(frame);
    });
    frames(server, (frame) => {
      const correlationId = frame.length >= 8 ? frame.readInt32BE(4) : -1;
      const request = requests.get(correlationId);
      requests.delete(correlationId);
      client.write(request ? rewrite(request.apiKey, request.version, frame) : frame);
    });
  }

  const proxy: KafkaProxy = {
    brokers: ports.map((port) => `${host}:${port}`),
    get isCut() {
      return cut;
    },
    async cut() {
      cut = true;
      const closed = servers.map(
        (server) =>
          new Promise<void>((resolve) =>
            server.listening ? server.close(() => resolve()) : resolve(),
          ),
      );
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await Promise.all(closed);
    },
    async restore() {
      if (!cut) return;
      for (const [index, server] of servers.entries()) await listen(server, ports[index] ?? 0);
      cut = false;
    },
    async close() {
      await proxy.cut();
    },
  };
  return proxy;
};

/** Calls `onFrame` with every complete size-prefixed Kafka frame (size included) read from the socket. */
const frames = (socket: Socket, onFrame: (frame: Buffer) => void): void => {
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

type PortOf = (host: string, port: number) => number | undefined;

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

const rewriteMetadata = (frame: Buffer, version: number, host: string, portOf: PortOf): Buffer => {
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
  out.push(frame.subarray(reader.offset));
  return framed(out);
};

const rewriteFindCoordinator = (
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
