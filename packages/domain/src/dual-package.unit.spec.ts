import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('the built package (dist)', () => {
  it('loads and runs create + confirm as ESM and as CommonJS (scripts/check-dual-package.mjs)', () => {
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'check-dual-package.mjs')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('cjs (tiny store): status CONFIRMED');
    expect(result.stdout).toContain('esm (testing in-memory store): status CONFIRMED');
    expect(result.stdout).not.toContain('FAIL');
  }, 60_000);
});
