import type { OrderQueries } from '@oms/domain';
import { parseEntityTags } from '../conditional/entityTags.js';

/** The header of read-your-writes: a command's response carries it; a following GET or list sends it back. */
export const CONSISTENCY_TOKEN_HEADER = 'OMS-Consistency-Token';

/**
 * Where reads are served (e.g. `createReadRouting` of @oms/adapters-pg over a streaming replica). The token is
 * opaque to HTTP: the host issues it after a write and routes a read that sends it back to a copy that has it.
 */
export interface ConsistentReads {
  /** True when the text is a token this host issues (anything else answers 400). */
  isToken(text: string): boolean;
  /** The token after a command committed; undefined: none (a single database needs none). */
  tokenAfterWrite(): Promise<string | undefined>;
  /** The queries for one read, given the token the client sent back. */
  queriesFor(token: string | undefined): Promise<OrderQueries>;
  /** The primary's queries: a re-read when the answer was older than the version the client holds. */
  readonly primary: OrderQueries;
  /** Counts such a re-read (a metric). */
  countReread?(): void;
}

/** One database: every read on the same queries, no token. */
export const singleDatabaseReads = (queries: OrderQueries): ConsistentReads => ({
  isToken: () => true,
  tokenAfterWrite: async () => undefined,
  queriesFor: async () => queries,
  primary: queries,
});

/**
 * The highest order version an `If-None-Match` names (weak comparison, as for a GET): the client has seen it, so an
 * answer older than it came from a copy that lags. Undefined when it names none (or `*`, or is malformed).
 */
export const newestVersionNamed = (header: string | undefined): number | undefined => {
  if (header === undefined) return undefined;
  const parsed = parseEntityTags(header);
  if (parsed.isErr() || parsed.value.any) return undefined;
  const versions = parsed.value.tags
    .map((tag) => tag.opaque)
    .filter((opaque) => /^\d{1,15}$/.test(opaque))
    .map(Number);
  return versions.length > 0 ? Math.max(...versions) : undefined;
};
