import type { FieldError } from '@oms/domain';
import type { Context } from 'hono';

/**
 * Query parameters a route does not know, as field errors (`query.<name>`): a typo (`?staus=DRAFT`) must not be
 * silently ignored and answer something else than the client asked for.
 */
export const unknownQueryErrors = (c: Context, known: readonly string[]): FieldError[] =>
  Object.keys(c.req.queries())
    .filter((name) => !known.includes(name))
    .sort()
    .map((name) => ({
      path: `query.${name.slice(0, 100)}`,
      message: `unknown query parameter${known.length > 0 ? `; this route takes ${known.join(', ')}` : '; this route takes none'}`,
    }));
