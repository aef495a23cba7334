import type { FieldError } from '../order/order.errors.js';

const MAX_DEPTH = 64;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const problemOf = (text: string): string | undefined => {
  if (text.includes('\u0000')) return 'must not contain NUL (U+0000) characters';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (no lone UTF-16 surrogates)';
  return undefined;
};

/**
 * Strings (values or keys) anywhere in an input that no order field has a use for and PostgreSQL cannot store in
 * text or jsonb: U+0000 and lone UTF-16 surrogates. Every edge (HTTP, webhook, Kafka) refuses them as a validation
 * problem, instead of failing deep in the store.
 */
export const unstorableTextErrors = (value: unknown): FieldError[] => {
  const errors: FieldError[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0 && errors.length < 50) {
    const next = stack.pop();
    if (!next) break;
    const join = (key: string | number) => (next.path ? `${next.path}.${key}` : String(key));
    if (typeof next.value === 'string') {
      const message = problemOf(next.value);
      if (message) errors.push({ path: next.path, message });
    } else if (next.value !== null && typeof next.value === 'object' && next.depth < MAX_DEPTH) {
      for (const [key, child] of Object.entries(next.value)) {
        const message = problemOf(key);
        if (message)
          errors.push({
            path: join(JSON.stringify(key).slice(1, -1)),
            message: `a key ${message}`,
          });
        stack.push({ value: child, path: join(key), depth: next.depth + 1 });
      }
    }
  }
  return errors.sort((a, b) => (a.path < b.path ? -1 : 1));
};
