import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { respondProblem } from '../problems/problem.js';

export interface ApiKey {
  readonly id: string;
  readonly key: string;
}

/** Keys as accepted by `createApp`: the `OMS_API_KEYS` text, a list, or a map of id → key. */
export type ApiKeysOption =
  | string
  | readonly (string | ApiKey)[]
  | Readonly<Record<string, string>>;

/**
 * `OMS_API_KEYS`: comma-separated `id:key` pairs or plain keys (a plain key's id is `key-<n>`, n from 1).
 * Blank entries are ignored.
 */
export const parseApiKeys = (option: ApiKeysOption | undefined): ApiKey[] => {
  if (option === undefined) return [];
  const entries: (string | ApiKey)[] =
    typeof option === 'string'
      ? option.split(',')
      : Array.isArray(option)
        ? [...option]
        : Object.entries(option as Record<string, string>).map(([id, key]) => ({ id, key }));
  return entries.flatMap((entry, index): ApiKey[] => {
    if (typeof entry !== 'string') return entry.key ? [entry] : [];
    const text = entry.trim();
    if (!text) return [];
    const colon = text.indexOf(':');
    return colon > 0 && colon < text.length - 1
      ? [{ id: text.slice(0, colon).trim(), key: text.slice(colon + 1).trim() }]
      : [{ id: `key-${index + 1}`, key: text }];
  });
};

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Finds the key's id, comparing against every key in constant time (digests make the lengths equal). */
export const matchApiKey = (keys: readonly ApiKey[], presented: string): string | undefined => {
  const presentedDigest = digest(presented);
  let found: string | undefined;
  for (const key of keys) {
    if (timingSafeEqual(digest(key.key), presentedDigest) && found === undefined) found = key.id;
  }
  return found;
};

/** Bearer API keys; with none configured every caller is `anonymous`. */
export const apiKeyAuth = (keys: readonly ApiKey[]): MiddlewareHandler<AppEnv> => {
  const hashed = keys.map((key) => ({ id: key.id, key: key.key }));
  return async (c, next) => {
    if (hashed.length === 0) {
      c.set('actor', 'anonymous');
      return next();
    }
    const header = c.req.header('Authorization') ?? '';
    const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
    const id = match?.[1] ? matchApiKey(hashed, match[1]) : undefined;
    if (id === undefined)
      return respondProblem(
        c,
        {
          code: 'unauthorized',
          detail: header
            ? 'the API key is not valid'
            : 'an API key is required (Authorization: Bearer <key>)',
        },
        { 'WWW-Authenticate': 'Bearer realm="oms"' },
      );
    c.set('actor', id);
    return next();
  };
};
