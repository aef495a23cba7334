import { sha256Hex } from '../shared/hash.js';

/** JSON with object keys sorted and undefined members left out, so that key order never makes two values differ. */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map(
      (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
    );
  return `{${entries.join(',')}}`;
};

/**
 * The one request-fingerprint algorithm: SHA-256 (hex) of the canonical JSON of what makes two requests under one
 * idempotency key "the same" (by default the `OrderRequest` itself: command, order, line and validated input).
 */
export const requestFingerprint = (identity: unknown): string => sha256Hex(canonicalJson(identity));
