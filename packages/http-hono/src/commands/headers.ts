import { err, ok, type Result } from 'neverthrow';
import { IdempotencyKeyHeaderSchema } from '../openapi/schemas.js';

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
