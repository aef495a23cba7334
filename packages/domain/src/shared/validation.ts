import { err, ok, type Result } from 'neverthrow';
import type { z } from 'zod';
import { type FieldError, type OrderError, validationFailed } from '../order/order.errors.js';

/** Every zod issue as a field error: the path dotted (`lines.0.quantity`), the message as zod words it. */
export const fieldErrors = (
  error: z.ZodError,
  prefix: readonly (string | number)[] = [],
): FieldError[] =>
  error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join('.'),
    message: issue.message,
  }));

/** Parses input with a schema and reports every problem at once as `validation-failed`. */
export const parseInput = <S extends z.ZodTypeAny>(
  schema: S,
  input: unknown,
): Result<z.output<S>, OrderError> => {
  const parsed = schema.safeParse(input);
  return parsed.success ? ok(parsed.data) : err(validationFailed(fieldErrors(parsed.error)));
};
