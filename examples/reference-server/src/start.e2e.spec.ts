import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@oms/adapters-pg';
import { orderFixtures } from '@oms/domain/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repository = fileURLToPath(new URL('../../..', import.meta.url));

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** `pnpm start`'s script in a clone, until it answers /health (a cold start installs and builds everything). */
const start = async (clone: string, port: number, dataDir: string): Promise<Started> => {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), OMS_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  delete env.KAFKA_BROKERS;
  delete env.NODE_PATH;
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: clone,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 480_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`start exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`no answer on /health in time:\n${output}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return { child, output: () => output, exited };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

describe('pnpm start on a fresh clone', () => {
  let folder: string;
  let clone: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'oms-start-e2e-'));
    // the embedded server runs as the postgres user when the tests run as root: it must reach the data folder
    await chmod(folder, 0o755);
    clone = join(folder, 'clone');
    const cloned = spawnSync('git', ['clone', '--quiet', repository, clone], { encoding: 'utf8' });
    expect(cloned.status, cloned.stderr).toBe(0);
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('installs, builds in dependency order and serves the seed example; a second start builds nothing', async () => {
    const port = await findFreePort();
    const dataDir = join(folder, 'data');
    const cold = await start(clone, port, dataDir);
    try {
      expect(cold.output()).toMatch(/\[start\] building @oms\/domain/);
      const created = await fetch(`http://127.0.0.1:${port}/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(orderFixtures.seedCreateOrderBody()),
      });
      expect(created.status).toBe(201);
    } finally {
      cold.child.kill('SIGTERM');
    }
    expect(await cold.exited).toBe(0);

    const warm = await start(clone, port, dataDir);
    try {
      expect(warm.output()).not.toMatch(/\[start\] building/);
      // the server process runs with the old-space limit of scripts/serverNodeFlags.mjs (a flat RSS under load)
      const serverPid = spawnSync('pgrep', ['-P', String(warm.child.pid)], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')[0];
      expect(readFileSync(`/proc/${serverPid}/cmdline`, 'utf8').split('\0')).toContain(
        '--max-old-space-size=512',
      );
      const listed = await fetch(`http://127.0.0.1:${port}/v1/orders`);
      expect(((await listed.json()) as { data: unknown[] }).data).toHaveLength(1);
    } finally {
      warm.child.kill('SIGTERM');
    }
    expect(await warm.exited).toBe(0);
  }, 900_000);
});
