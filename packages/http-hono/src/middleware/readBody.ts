import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { respondProblem } from '../problems/problem.js';

const EMPTY = new Uint8Array(0);

/** The status a request gets when its client went away before sending the whole body (nginx's 499). */
export const CLIENT_CLOSED_REQUEST = 499;

export interface ReadBodyOptions {
  /** Largest accepted body in bytes. */
  readonly maxBytes: number;
  /**
   * How much of a too-large body is read and thrown away before the 413 is sent, so that a client still uploading
   * sees the answer instead of a closed socket (default: 4 × maxBytes). Beyond it the server answers and closes.
   */
  readonly drainBytes?: number;
}

const tooLarge = (c: Context<AppEnv>, maxBytes: number): Response =>
  respondProblem(
    c,
    { code: 'payload-too-large', detail: `the body must not exceed ${maxBytes} bytes` },
    // The connection is not reused: whatever the client still sends is not read.
    { Connection: 'close' },
  );

/** The client closed the connection mid-body: nobody will read an answer; the status is for metrics and logs. */
const clientClosed = (c: Context<AppEnv>): Response => {
  c.get('logger')?.info(
    { path: c.req.path },
    'client closed the connection before sending the body',
  );
  return c.body(null, CLIENT_CLOSED_REQUEST as 200);
};

type Read =
  | { readonly kind: 'ok'; readonly bytes: Uint8Array }
  | { readonly kind: 'too-large' | 'aborted' };

/** Reads up to maxBytes; past it, keeps reading and discarding up to drainBytes, then stops. */
const readBounded = async (
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  drainBytes: number,
): Promise<Read> => {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > drainBytes) {
        await reader.cancel().catch(() => undefined);
        return { kind: 'too-large' };
      }
      if (size <= maxBytes) chunks.push(value);
    }
  } catch {
    return { kind: 'aborted' };
  }
  if (size > maxBytes) return { kind: 'too-large' };
  const bytes = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
  return { kind: 'ok', bytes };
};

/**
 * The same, straight from Node's request stream when the app runs on @hono/node-server: no WHATWG Request and
 * ReadableStream are built around it just to read it (a fifth of a create's HTTP cost). Past drainBytes it stops
 * reading (the stream is destroyed, as cancelling the web stream did).
 */
const readIncoming = async (
  incoming: IncomingMessage,
  maxBytes: number,
  drainBytes: number,
): Promise<Read> => {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of incoming as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > drainBytes) return { kind: 'too-large' };
      if (size <= maxBytes) chunks.push(chunk);
    }
  } catch {
    return { kind: 'aborted' };
  }
  // 'end' never came: the client went away mid-body.
  if (!incoming.complete) return { kind: 'aborted' };
  if (size > maxBytes) return { kind: 'too-large' };
  if (size === 0) return { kind: 'ok', bytes: EMPTY };
  const bytes = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
  return { kind: 'ok', bytes };
};

/** Node's request under @hono/node-server (its bindings), or undefined (app.request(), other runtimes). */
const nodeIncoming = (c: Context<AppEnv>): IncomingMessage | undefined => {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming !== undefined && typeof env.incoming.on === 'function'
    ? env.incoming
    : undefined;
};

/**
 * Reads the body once, refusing more than `maxBytes` whether or not Content-Length is sent (a chunked body is
 * counted as it arrives). A too-large body is drained (up to `drainBytes`) before the 413 goes out with
 * `Connection: close`, so the client reads the answer instead of a reset. The bytes are kept raw: the Shopify
 * signature is over them. A client that disconnects mid-body is counted as 499, not as a server error.
 */
export const readBody =
  ({ maxBytes, drainBytes = 4 * maxBytes }: ReadBodyOptions): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const incoming = nodeIncoming(c);
    const body = incoming ? undefined : c.req.raw.body;
    if (!incoming && !body) {
      c.set('rawBody', EMPTY);
      return next();
    }
    const declared = c.req.header('Content-Length');
    const declaredSize =
      declared !== undefined &&
      /^\d+$/.test(declared) &&
      c.req.header('Transfer-Encoding') === undefined
        ? Number(declared)
        : undefined;
    // Too large to be worth draining: answer now and close.
    if (declaredSize !== undefined && declaredSize > drainBytes) return tooLarge(c, maxBytes);
    const read = incoming
      ? await readIncoming(incoming, maxBytes, drainBytes)
      : await readBounded(body as ReadableStream<Uint8Array>, maxBytes, drainBytes);
    if (read.kind !== 'ok')
      return read.kind === 'aborted' ? clientClosed(c) : tooLarge(c, maxBytes);
    c.set('rawBody', read.bytes);
    return next();
  };
