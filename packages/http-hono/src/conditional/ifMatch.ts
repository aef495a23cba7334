import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { parseEntityTags, strongVersions } from './entityTags.js';

export interface IfMatchProblem {
  readonly code: 'malformed-header' | 'concurrency-conflict';
  readonly detail: string;
}

/**
 * The version a command must find (`expectedVersion`) for an `If-Match` header, per RFC 9110 §13.1.1: strong
 * comparison, a list, or `*`. No header and `*`: none (an unknown order still answers 404). One version: that one.
 * A list: the current version when the list names it. Nothing matching: 412; a malformed header: 400.
 * @param currentVersion reads the order's version (0 when it does not exist); only called for lists
 */
export const resolveIfMatch = (
  header: string | undefined,
  currentVersion: () => ResultAsync<number, unknown>,
): ResultAsync<number | undefined, IfMatchProblem> => {
  if (header === undefined) return okAsync(undefined);
  const parsed = parseEntityTags(header);
  if (parsed.isErr())
    return errAsync({ code: 'malformed-header', detail: `If-Match: ${parsed.error}` });
  if (parsed.value.any) return okAsync(undefined);
  const versions = strongVersions(parsed.value.tags);
  const [only] = versions;
  if (versions.length === 1 && only !== undefined) return okAsync(only);
  return currentVersion()
    .orElse(() => okAsync(0))
    .andThen((current): ResultAsync<number | undefined, IfMatchProblem> => {
      if (current === 0) return okAsync(undefined); // no such order: the command answers 404
      return versions.includes(current)
        ? okAsync(current)
        : errAsync({
            code: 'concurrency-conflict',
            detail: `the order is at version ${current}, which If-Match does not name (weak tags never match)`,
          });
    });
};
