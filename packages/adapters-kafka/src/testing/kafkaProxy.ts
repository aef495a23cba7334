import { connect, createServer, type Server, type Socket } from 'node:net';
import {
  frames,
  metadataRequestTopics,
  produceRecordSets,
  refuseProduce,
  rewriteFindCoordinator,
  rewriteMetadata,
} from './kafkaProtocol.js';

export interface KafkaProxy {
  /** The proxy's addresses, one per upstream broker: give these to the client. */
  readonly brokers: readonly string[];
  /** A broker outage: every open connection is destroyed and new ones are refused until `restore()`. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  readonly isCut: boolean;
  /** Holds every Produce request this long before passing it on (0: no delay); a closed connection drops them. */
  holdProduce(ms: number): void;
  /** Produce requests held right now. */
  readonly heldProduces: number;
  /** Produce requests answered MESSAGE_TOO_LARGE so far (see `maxRecordSetBytes`). */
  readonly refusedProduces: number;
  close(): Promise<void>;
}

export interface KafkaProxyOptions {
  /** Every broker of the upstream cluster (`host:port`), as it advertises itself in Metadata. */
  readonly upstreams: readonly string[];
  /** The host the proxy listens on and advertises (default 127.0.0.1). */
  readonly host?: string;
  /**
   * A broker's `message.max.bytes`: a Produce request with a partition's record set above it is answered
   * MESSAGE_TOO_LARGE (every partition of the request: stricter than a broker, which appends the others).
   */
  readonly maxRecordSetBytes?: number;
  /** Topics the "broker" does not have and will not create (auto-creation off). */
  readonly hiddenTopics?: readonly string[];
}

const API_PRODUCE = 0;
const API_METADATA = 3;
const MIN_PRODUCE_VERSION = 3;
const MAX_PRODUCE_VERSION = 7;
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
  const clientSockets = new Set<Socket>();
  const upstreamSockets = new Set<Socket>();
  let cut = false;
  let holdMs = 0;
  let held = 0;
  let refused = 0;
  const hidden = new Set(options.hiddenTopics ?? []);
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

  const rewrite = (
    apiKey: number,
    version: number,
    frame: Buffer,
    topics: readonly string[],
  ): Buffer => {
    try {
      if (apiKey === API_METADATA && version <= MAX_METADATA_VERSION)
        return rewriteMetadata(frame, version, host, proxyPortOf, hidden, topics);
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
    clientSockets.add(client);
    upstreamSockets.add(server);
    const requests = new Map<number, { apiKey: number; version: number; topics: string[] }>();
    const closeBoth = () => {
      client.destroy();
      closeUpstream(server);
      clientSockets.delete(client);
      upstreamSockets.delete(server);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    server.on('error', closeBoth).on('close', closeBoth);
    client.pause();
    server.once('connect', () => client.resume());
    // requests pass on in order: a held Produce holds what the client sent after it too
    let queue: Promise<void> = Promise.resolve();
    frames(client, (frame) => {
      if (frame.length < 12) {
        server.write(frame);
        return;
      }
      const apiKey = frame.readInt16BE(4);
      const version = frame.readInt16BE(6);
      const correlationId = frame.readInt32BE(8);
      const isProduce =
        apiKey === API_PRODUCE && version >= MIN_PRODUCE_VERSION && version <= MAX_PRODUCE_VERSION;
      const topics = apiKey === API_METADATA ? safely(() => metadataRequestTopics(frame), []) : [];
      requests.set(correlationId, { apiKey, version, topics });
      const delay = isProduce ? holdMs : 0;
      queue = queue.then(async () => {
        if (delay > 0) {
          held += 1;
          await new Promise((resolve) => setTimeout(resolve, delay));
          held -= 1;
        }
        if (server.destroyed || client.destroyed) return;
        const limit = options.maxRecordSetBytes;
        if (isProduce && limit !== undefined) {
          const sets = safely(() => produceRecordSets(frame), []);
          if (sets.some((set) => set.bytes > limit)) {
            refused += 1;
            requests.delete(correlationId);
            client.write(refuseProduce(correlationId, version, sets));
            return;
          }
        }
        server.write(frame);
      });
    });
    frames(server, (frame) => {
      const correlationId = frame.length >= 8 ? frame.readInt32BE(4) : -1;
      const request = requests.get(correlationId);
      requests.delete(correlationId);
      client.write(
        request ? rewrite(request.apiKey, request.version, frame, request.topics) : frame,
      );
    });
  }

  const proxy: KafkaProxy = {
    brokers: ports.map((port) => `${host}:${port}`),
    get isCut() {
      return cut;
    },
    holdProduce(ms) {
      holdMs = Math.max(0, ms);
    },
    get heldProduces() {
      return held;
    },
    get refusedProduces() {
      return refused;
    },
    async cut() {
      cut = true;
      const closed = servers.map(
        (server) =>
          new Promise<void>((resolve) =>
            server.listening ? server.close(() => resolve()) : resolve(),
          ),
      );
      for (const socket of clientSockets) socket.destroy();
      clientSockets.clear();
      for (const socket of upstreamSockets) closeUpstream(socket);
      upstreamSockets.clear();
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

/**
 * Closes a connection to the broker with a reset (RST), not a FIN. librdkafka's mock cluster stops reading a
 * connection while a JoinGroup on it waits for the rebalance to end, so it would not see a FIN before it answers; a
 * member that came back meanwhile on a new connection and joined again with the same id aborted the mock
 * (rdkafka_mock_cgrp.c `!member->resp`), where a real broker takes the newer join. A reset is seen at once (POLLHUP),
 * and the mock drops the pending join of the closed connection.
 */
const closeUpstream = (socket: Socket): void => {
  if (socket.destroyed) return;
  // the broker closed it first (Node has ended our side): nothing is pending there, and a reset would fail (EINVAL)
  // and leave the socket open
  if (socket.writableEnded) socket.destroy();
  // a socket still connecting is reset once connected; its 'error' listener (closeBoth) takes any error
  else socket.resetAndDestroy();
};

const safely = <T>(work: () => T, fallback: T): T => {
  try {
    return work();
  } catch {
    return fallback;
  }
};
