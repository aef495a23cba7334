import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './startEmbeddedPostgres.js';
import { PASSWORD_FILE } from './superuserPassword.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const cjs = JSON.stringify(`${packageDir}dist/index.cjs`);
const esm = JSON.stringify(pathToFileURL(`${packageDir}dist/index.js`).href);

/** Starts an embedded server through one build of the package, in a process of its own, and queries it. */
const script = (load: string) => `
const { chmodSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
(async () => {
  ${load}
  const folder = mkdtempSync(join(tmpdir(), 'oms-embedded-'));
  chmodSync(folder, 0o755);
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

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

const canConnect = async (url: string): Promise<boolean> => {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
};

const withPassword = (url: string, password: string): string => {
  const changed = new URL(url);
  changed.password = password;
  return changed.toString();
};

describe('the embedded superuser password', () => {
  it('is generated once, kept in the data directory (0600), and postgres/postgres does not get in', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'oms-embedded-password-'));
    chmodSync(folder, 0o755);
    const dataDir = join(folder, 'data');
    try {
      const first = await startEmbeddedPostgres({ dataDir });
      const password = decodeURIComponent(new URL(first.url).password);
      try {
        expect(password).not.toBe('postgres');
        expect(password.length).toBeGreaterThanOrEqual(24);
        const kept = statSync(join(dataDir, PASSWORD_FILE));
        expect(kept.mode & 0o777).toBe(0o600);
        expect(readFileSync(join(dataDir, PASSWORD_FILE), 'utf8').trim()).toBe(password);
        expect(await canConnect(first.url)).toBe(true);
        expect(await canConnect(withPassword(first.url, 'postgres'))).toBe(false);
      } finally {
        await first.stop();
      }
      const again = await startEmbeddedPostgres({ dataDir });
      try {
        expect(decodeURIComponent(new URL(again.url).password)).toBe(password);
        expect(await canConnect(again.url)).toBe(true);
      } finally {
        await again.stop();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('replaces the old default password of a cluster created before, at its next start', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'oms-embedded-legacy-'));
    chmodSync(folder, 0o755);
    const dataDir = join(folder, 'data');
    try {
      const legacy = await startEmbeddedPostgres({ dataDir, password: 'postgres' });
      await legacy.stop();
      expect(existsSync(join(dataDir, PASSWORD_FILE))).toBe(false);
      const started = await startEmbeddedPostgres({ dataDir });
      try {
        expect(decodeURIComponent(new URL(started.url).password)).not.toBe('postgres');
        expect(await canConnect(started.url)).toBe(true);
        expect(await canConnect(withPassword(started.url, 'postgres'))).toBe(false);
        expect(statSync(join(dataDir, PASSWORD_FILE)).mode & 0o777).toBe(0o600);
      } finally {
        await started.stop();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe.runIf(isRoot)('embedded PostgreSQL started by root', () => {
  it('stops with one line naming OMS_DATA_DIR and DATABASE_URL when the postgres user cannot reach the data, and changes no permission', async () => {
    const home = statSync('/root');
    const folder = mkdtempSync(join('/root', 'oms-embedded-unreachable-'));
    try {
      const before = statSync(folder).mode;
      const dataDir = join(folder, 'data');
      const started = startEmbeddedPostgres({ dataDir });
      await expect(started).rejects.toThrow(/OMS_DATA_DIR.*DATABASE_URL/);
      const message = await started.then(
        () => '',
        (error: Error) => error.message,
      );
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toContain('/root');
      expect(statSync(folder).mode).toBe(before);
      expect(statSync('/root').mode).toBe(home.mode);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
