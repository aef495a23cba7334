import type { FieldError } from '@oms/domain';

const MAX_DEPTH = 64;

/**
 * Strings holding U+0000 anywhere in a (validated) input. PostgreSQL cannot store NUL in text or jsonb, and no order
 * field has a use for it, so such input is refused as a validation problem at the edge instead of failing deep in
 * the store.
 */
export const nulCharacterErrors = (value: unknown): FieldError[] => {
  const errors: FieldError[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0 && errors.length < 50) {
    const next = stack.pop();
    if (!next) break;
    const join = (key: string | number) => (next.path ? `${next.path}.${key}` : String(key));
    if (typeof next.value === 'string') {
      if (next.value.includes('\u0000'))
        errors.push({ path: next.path, message: 'must not contain NUL (U+0000) characters' });
    } else if (next.value !== null && typeof next.value === 'object' && next.depth < MAX_DEPTH) {
      for (const [key, child] of Object.entries(next.value)) {
        if (key.includes('\u0000'))
          errors.push({
            path: join(key.replaceAll('\u0000', '\\u0000')),
            message: 'a key must not contain NUL (U+0000) characters',
          });
        stack.push({ value: child, path: join(key), depth: next.depth + 1 });
      }
    }
  }
  return errors.sort((a, b) => (a.path < b.path ? -1 : 1));
};
