import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script of the repository (no types)
import { descendantsOf, isRunning } from '../../scripts/processTree.mjs';

interface ProcessRef {
  readonly pid: number;
  readonly startTime: string;
}

const httpBench = fileURLToPath(new URL('../http-api.bench.mjs', import.meta.url));

/** The data directory (`-D`) of an embedded PostgreSQL among these processes. */
const dataDirOf = (processes: readonly ProcessRef[]): string | undefined => {
  for (const { pid } of processes) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const at = args.indexOf('-D');
      if (at >= 0 && args[at + 1]) return args[at + 1];
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
};

it('a benchmark stopped by a SIGTERM of its own stops its servers and its embedded PostgreSQL, and removes its files', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // its own embedded PostgreSQL, as `pnpm bench` runs it by default
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [httpBench, '--quick'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const below = new Map<string, ProcessRef>();
  const look = () => {
    if (!child.pid) return;
    for (const found of descendantsOf(child.pid) as ProcessRef[])
      below.set(`${found.pid}@${found.startTime}`, found);
  };
  let watch: NodeJS.Timeout | undefined;
  let dataDir: string | undefined;
  const exited = new Promise<number | null>((resolve) => {
    const collect = (chunk: Buffer) => {
      output += chunk;
      // every server is up once the first round runs
      if (watch || !/round 1 {2}hello/.test(output)) return;
      look();
      dataDir = dataDirOf([...below.values()]);
      output += `\n[test] SIGTERM to the benchmark, with ${below.size} processes below it\n`;
      child.kill('SIGTERM');
      watch = setInterval(look, 100);
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
  // five servers of its own, the reference server and the embedded PostgreSQL at least
  expect(below.size, output).toBeGreaterThanOrEqual(7);
  expect(dataDir, output).toMatch(/oms-http-bench-/);
  await expect
    .poll(() => [...below.values()].filter((found) => isRunning(found)).map(({ pid }) => pid), {
      timeout: 15_000,
    })
    .toEqual([]);
  expect(existsSync(dataDir ?? ''), `${dataDir} is left`).toBe(false);
}, 120_000);
