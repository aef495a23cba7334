import type { Logger } from 'pino';

/** What the middleware chain puts on the Hono context. */
export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    /** The API key id of the caller, `shopify`, or `anonymous`. */
    actor: string;
    /** The request body as received (read once, bounded by the body limit). */
    rawBody: Uint8Array;
  };
}
