import { err, ok, type Result } from 'neverthrow';
import { IdempotencyKeyHeaderSchema } from '../openapi/schemas.js';

/** `If-Match`: `"3"`, `W/"3"` or `3` name version 3; `*` (or no header) names none. */
export const parseIfMatch = (header: string | undefined): Result<number | undefined, string> => {
  if (header === undefined || header.trim() === '*') return ok(undefined);
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  return match?.[1] ? ok(Number(match[1])) : err('If-Match must name a version, e.g. "3"');
};

export const parseIdempotencyKey = (
  header: string | undefined,
): Result<string | undefined, string> => {
  if (header === undefined) return ok(undefined);
  const parsed = IdempotencyKeyHeaderSchema.safeParse(header);
  return parsed.success
    ? ok(parsed.data)
    : err('Idempotency-Key must be 1 to 255 printable ASCII characters');
};

export const etagOf = (version: number): string => `"${version}"`;
