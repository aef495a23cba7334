import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { respondProblem } from '../problems/problem.js';

const EMPTY = new Uint8Array(0);

const tooLarge = (c: Parameters<MiddlewareHandler<AppEnv>>[0], maxBytes: number): Response =>
  respondProblem(c, {
    code: 'payload-too-large',
    detail: `the body must not exceed ${maxBytes} bytes`,
  });

/**
 * Reads the body once, refusing more than `maxBytes` whether or not Content-Length is sent (a chunked body is
 * counted as it arrives, and reading stops at the limit). The bytes are kept raw: the Shopify signature is over them.
 */
export const readBody =
  (maxBytes: number): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const body = c.req.raw.body;
    if (!body) {
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
    if (declaredSize !== undefined && declaredSize > maxBytes) return tooLarge(c, maxBytes);
    if (declaredSize !== undefined) {
      // The server enforces Content-Length, so the whole body can be taken at once.
      const bytes = new Uint8Array(await c.req.raw.arrayBuffer());
      if (bytes.byteLength > maxBytes) return tooLarge(c, maxBytes);
      c.set('rawBody', bytes);
      return next();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return tooLarge(c, maxBytes);
      }
      chunks.push(value);
    }
    const bytes = chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
    c.set('rawBody', bytes);
    return next();
  };
