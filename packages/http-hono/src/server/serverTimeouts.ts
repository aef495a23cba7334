import type { ServerOptions } from 'node:http';

export interface ServerTimeouts {
  /** Time a client has to send the request line and headers (default 10 s). */
  readonly headersTimeoutMs?: number;
  /** Time a client has to send the whole request, body included (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this (default 5 s, Node's own). */
  readonly keepAliveTimeoutMs?: number;
}

/**
 * `node:http` server options that bound how long a slow client may hold a connection: headers, then the whole
 * request (a body sent a byte a second is cut at `requestTimeoutMs` with 408). Node checks these only every
 * `connectionsCheckingInterval` (30 s by default), so the interval follows the shortest timeout.
 * For `serve({ fetch, serverOptions: nodeServerOptions() })` of @hono/node-server.
 */
export const nodeServerOptions = ({
  headersTimeoutMs = 10_000,
  requestTimeoutMs = 30_000,
  keepAliveTimeoutMs = 5_000,
}: ServerTimeouts = {}): ServerOptions => {
  const headersTimeout = Math.min(headersTimeoutMs, requestTimeoutMs);
  return {
    headersTimeout,
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(headersTimeout / 2))),
  };
};
