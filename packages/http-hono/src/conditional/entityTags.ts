import { err, ok, type Result } from 'neverthrow';

/** One entity-tag of a list: `"2"` is strong, `W/"2"` weak (RFC 9110 §8.8.3). */
export interface EntityTag {
  readonly weak: boolean;
  readonly opaque: string;
}

/** `*`, or the entity-tags of a comma-separated list. */
export type EntityTagCondition =
  | { readonly any: true }
  | { readonly any: false; readonly tags: readonly EntityTag[] };

// etagc = %x21 / %x23-7E / obs-text
const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;

/**
 * An `If-Match` / `If-None-Match` value: `*` or `1#entity-tag` (empty list elements are allowed and skipped, as the
 * `#` rule says). Anything else is malformed.
 */
export const parseEntityTags = (header: string): Result<EntityTagCondition, string> => {
  if (header.trim() === '*') return ok({ any: true });
  const tags: EntityTag[] = [];
  for (const element of header.split(',')) {
    const text = element.trim();
    if (text === '') continue;
    const match = ENTITY_TAG.exec(text);
    if (!match) return err(`"${text.slice(0, 50)}" is not an entity-tag (e.g. "3")`);
    tags.push({ weak: match[1] !== undefined, opaque: match[2] ?? '' });
  }
  return tags.length > 0 ? ok({ any: false, tags }) : err('the list names no entity-tag');
};

/** The versions a condition names by strong comparison: weak tags and tags that are no version never match. */
export const strongVersions = (tags: readonly EntityTag[]): number[] =>
  tags.filter((tag) => !tag.weak && /^\d{1,15}$/.test(tag.opaque)).map((tag) => Number(tag.opaque));

/**
 * `If-None-Match` for a GET: does the client already hold this version? Weak comparison (`W/"2"` matches `"2"`);
 * `*` matches any existing representation. A malformed header is ignored (the full response is always correct).
 */
export const ifNoneMatchHits = (header: string | undefined, version: number): boolean => {
  if (header === undefined) return false;
  const parsed = parseEntityTags(header);
  if (parsed.isErr()) return false;
  return parsed.value.any || parsed.value.tags.some((tag) => tag.opaque === String(version));
};
