import { describe, expect, it } from 'vitest';
import { matchApiKey, parseApiKeys } from './apiKeys.js';

describe('parseApiKeys', () => {
  it('reads OMS_API_KEYS: id:key pairs and plain keys, blanks ignored', () => {
    expect(parseApiKeys('alice:k1, k2 ,,bob:k:3')).toEqual([
      { id: 'alice', key: 'k1' },
      { id: 'key-2', key: 'k2' },
      { id: 'bob', key: 'k:3' },
    ]);
    expect(parseApiKeys('')).toEqual([]);
    expect(parseApiKeys(undefined)).toEqual([]);
  });

  it('takes a list or a map too', () => {
    expect(parseApiKeys(['a:1', { id: 'b', key: '2' }])).toEqual([
      { id: 'a', key: '1' },
      { id: 'b', key: '2' },
    ]);
    expect(parseApiKeys({ ci: 'secret' })).toEqual([{ id: 'ci', key: 'secret' }]);
  });
});

describe('matchApiKey', () => {
  const keys = parseApiKeys('alice:k1,bob:k2');
  it('finds the id of a presented key, and nothing for another', () => {
    expect(matchApiKey(keys, 'k2')).toBe('bob');
    expect(matchApiKey(keys, 'k1')).toBe('alice');
    expect(matchApiKey(keys, 'k3')).toBeUndefined();
    expect(matchApiKey(keys, '')).toBeUndefined();
    expect(matchApiKey(keys, 'k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1')).toBeUndefined();
  });
});
