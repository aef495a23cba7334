import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const cjs = JSON.stringify(`${packageDir}dist/index.cjs`);
const esm = JSON.stringify(pathToFileURL(`${packageDir}dist/index.js`).href);

/** Starts an embedded server through one build of the package, in a process of its own, and queries it. */
const script = (load: string) => `
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
(async () => {
  ${load}
  const folder = mkdtempSync(join(tmpdir(), 'oms-embedded-'));
  const server = await startEmbeddedPostgres({ dataDir: join(folder, 'data') });
  const pg = require('pg');
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const { rows } = await client.query('SELECT 1 + 1 AS two');
  await client.end();
  await server.stop();
  rmSync(folder, { recursive: true, force: true });
  console.log(JSON.stringify(rows[0]));
})().catch((error) => { console.error(error); process.exit(1); });`;

describe('startEmbeddedPostgres from each build of the package', () => {
  it.each([
    ['CommonJS', `const { startEmbeddedPostgres } = require(${cjs});`],
    ['ESM', `const { startEmbeddedPostgres } = await import(${esm});`],
  ])('starts a server that answers queries (%s)', (_build, load) => {
    const result = spawnSync(process.execPath, ['-e', script(load)], {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('{"two":2}');
  });
});
