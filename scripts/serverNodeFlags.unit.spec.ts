import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script of the repository (no types), as `pnpm start` runs it
import { DEFAULT_MAX_OLD_SPACE_MB, serverNodeFlags } from './serverNodeFlags.mjs';

describe('the V8 flags pnpm start gives the reference server', () => {
  it('sets an old-space limit, 512 MB unless OMS_MAX_OLD_SPACE_MB says otherwise', () => {
    expect(DEFAULT_MAX_OLD_SPACE_MB).toBe(512);
    expect(serverNodeFlags({})).toEqual(['--max-old-space-size=512']);
    expect(serverNodeFlags({ OMS_MAX_OLD_SPACE_MB: '1024' })).toEqual([
      '--max-old-space-size=1024',
    ]);
  });

  it('leaves a limit already in NODE_OPTIONS alone', () => {
    expect(
      serverNodeFlags({ NODE_OPTIONS: '--enable-source-maps --max-old-space-size=2048' }),
    ).toEqual([]);
  });

  it('refuses a limit that is not a whole number of at least 64 MB', () => {
    for (const bad of ['0', '63', '12.5', 'lots', ''])
      expect(() => serverNodeFlags({ OMS_MAX_OLD_SPACE_MB: bad })).toThrow(/OMS_MAX_OLD_SPACE_MB/);
  });
});
