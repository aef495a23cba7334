import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script of the repository (no types)
import { descendantsOf, isRunning } from '../../scripts/processTree.mjs';

/** A process below the benchmark (/proc): its pid and start time tell it from a later process with the same pid. */
interface Found {
  readonly pid: number;
  readonly name: string;
  readonly startTime: string;
}

const httpBench = fileURLToPath(new URL('../http-api.bench.mjs', import.meta.url));

/** The folder of the embedded PostgreSQL's data directory (`-D <folder>/data`) among these processes. */
const databaseFolderOf = (processes: readonly Found[]): string | undefined => {
  for (const { pid } of processes) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const dataDir = args[args.indexOf('-D') + 1];
      if (args.includes('-D') && dataDir) return dirname(dataDir);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
};

const seen = new Map<string, Found>();
let folder: string | undefined;

// a failed run leaves nothing behind either
afterEach(() => {
  for (const found of seen.values())
    if (isRunning(found)) {
      try {
        process.kill(found.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  if (folder) rmSync(folder, { recursive: true, force: true });
});

it('a benchmark stopped by a SIGTERM of its own stops its servers and its embedded PostgreSQL, and removes its files', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // its own embedded PostgreSQL, as `pnpm bench` runs it by default
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [httpBench, '--quick'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const look = () => {
    if (!child.pid) return;
    for (const found of descendantsOf(child.pid) as Found[])
      seen.set(`${found.pid}@${found.startTime}`, found);
  };
  const watch = setInterval(look, 100);
  let signalled = false;
  const exited = new Promise<number | null>((resolve) => {
    const collect = (chunk: Buffer) => {
      output += chunk;
      // every server is up once the first round runs
      if (signalled || !/round 1 {2}hello/.test(output)) return;
      signalled = true;
      look();
      folder = databaseFolderOf([...seen.values()]);
      output += `\n[test] SIGTERM to the benchmark, with ${seen.size} processes below it\n`;
      child.kill('SIGTERM');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    // 'exit', not 'close': a process it leaves running may hold its output pipes open for ever
    child.once('exit', (code) => {
      clearInterval(watch);
      resolve(code);
    });
  });
  const stop = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await exited;
  clearTimeout(stop);
  expect(code, output).toBe(143);
  const below = [...seen.values()];
  // its five servers and the reference server (node), and the embedded PostgreSQL
  expect(below.filter(({ name }) => name === 'node').length, output).toBeGreaterThanOrEqual(6);
  expect(
    below.some(({ name }) => name === 'postgres'),
    output,
  ).toBe(true);
  expect(folder, output).toMatch(/oms-http-bench-/);
  await expect
    .poll(
      () => below.filter((found) => isRunning(found)).map(({ pid, name }) => `${name} ${pid}`),
      { timeout: 15_000 },
    )
    .toEqual([]);
  expect(existsSync(folder ?? ''), `${folder} is left`).toBe(false);
}, 120_000);
