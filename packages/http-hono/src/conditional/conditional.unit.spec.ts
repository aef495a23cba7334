import { okAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { ifNoneMatchHits, parseEntityTags } from './entityTags.js';
import { resolveIfMatch } from './ifMatch.js';

describe('entity-tags', () => {
  it('parses *, strong and weak tags and lists; refuses anything else', () => {
    expect(parseEntityTags('*')._unsafeUnwrap()).toEqual({ any: true });
    expect(parseEntityTags(' "1", W/"2" ,')._unsafeUnwrap()).toEqual({
      any: false,
      tags: [
        { weak: false, opaque: '1' },
        { weak: true, opaque: '2' },
      ],
    });
    for (const bad of ['1', '"1', 'W/1', '"1" "2"', ',', '"a"b"', 'w/"1"'])
      expect(parseEntityTags(bad).isErr(), bad).toBe(true);
  });

  it('If-None-Match compares weakly', () => {
    expect(ifNoneMatchHits('W/"3"', 3)).toBe(true);
    expect(ifNoneMatchHits('"2", "3"', 3)).toBe(true);
    expect(ifNoneMatchHits('*', 3)).toBe(true);
    expect(ifNoneMatchHits('"2"', 3)).toBe(false);
    expect(ifNoneMatchHits('nonsense', 3)).toBe(false);
    expect(ifNoneMatchHits(undefined, 3)).toBe(false);
  });
});

describe('resolveIfMatch', () => {
  const at = (version: number) => () => okAsync(version);
  it('names the expected version by strong comparison', async () => {
    expect((await resolveIfMatch(undefined, at(2)))._unsafeUnwrap()).toBeUndefined();
    expect((await resolveIfMatch('*', at(2)))._unsafeUnwrap()).toBeUndefined();
    expect((await resolveIfMatch('"7"', at(2)))._unsafeUnwrap()).toBe(7);
    expect((await resolveIfMatch('"0", "2"', at(2)))._unsafeUnwrap()).toBe(2);
    expect((await resolveIfMatch('W/"2"', at(2)))._unsafeUnwrapErr().code).toBe(
      'concurrency-conflict',
    );
    expect((await resolveIfMatch('"1", "3"', at(2)))._unsafeUnwrapErr().code).toBe(
      'concurrency-conflict',
    );
    expect((await resolveIfMatch('"1", "3"', at(0)))._unsafeUnwrap()).toBeUndefined();
    expect((await resolveIfMatch('banana', at(2)))._unsafeUnwrapErr().code).toBe(
      'malformed-header',
    );
  });
});
