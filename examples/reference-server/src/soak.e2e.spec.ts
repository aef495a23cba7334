import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Provided by scripts/vitest.global-setup.ts: a PostgreSQL server URL. */
    databaseUrl: string;
  }
}

const soakScript = fileURLToPath(new URL('../../../scripts/soak.mjs', import.meta.url));

interface SoakRun {
  readonly code: number | null;
  readonly output: string;
}

/** The parent pid of each live process (from /proc/<pid>/stat; its name may hold spaces, so after the last ')'). */
const parentPids = (): Map<number, number> => {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return parents;
};

/** Every live process below `root` (children, their children, ...). */
const descendantsOf = (root: number): number[] => {
  const parents = parentPids();
  const found: number[] = [];
  let level = [root];
  while (level.length > 0) {
    const next = [...parents].filter(([, parent]) => level.includes(parent)).map(([pid]) => pid);
    found.push(...next);
    level = next;
  }
  return found;
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `pnpm soak` as its own process, on the run's PostgreSQL (it creates a fresh database there). Stopped with SIGTERM
 * (the soak then cleans up) at `stopAfterMs`, before the test's own timeout: a run that overstays fails with what it
 * printed so far, not with a bare "Test timed out". With `stopOn`, it gets the SIGTERM as soon as its output matches,
 * and `started` lists the processes below it at that moment.
 */
const runSoak = (
  args: readonly string[],
  { stopAfterMs, stopOn }: { readonly stopAfterMs: number; readonly stopOn?: RegExp },
): Promise<SoakRun & { readonly started: readonly number[] }> =>
  new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: inject('databaseUrl') };
    delete env.KAFKA_BROKERS;
    const child = spawn(process.execPath, [soakScript, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let started: number[] = [];
    const collect = (chunk: Buffer) => {
      output += chunk;
      if (stopOn && started.length === 0 && stopOn.test(output) && child.pid) {
        started = descendantsOf(child.pid);
        output += `\n[test] SIGTERM to the soak, with ${started.length} processes below it\n`;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const stop = setTimeout(() => {
      output += `\n[test] the soak was still running after ${stopAfterMs / 1000}s: SIGTERM\n`;
      child.kill('SIGTERM');
    }, stopAfterMs);
    // 'close': the exit code, and the output to its last line
    child.once('close', (code) => {
      clearTimeout(stop);
      resolve({ code, output, started });
    });
  });

const SOAK_TIMEOUT_MS = 180_000;

describe('the soak (short version)', () => {
  it(
    'keeps every promise under mixed load with the relay killed, the broker and the database cut and a replica restarted',
    async () => {
      const { code, output } = await runSoak(['--duration', '15', '--seed', '7', '--users', '4'], {
        stopAfterMs: SOAK_TIMEOUT_MS - 30_000,
      });
      expect(code, output).toBe(0);
      expect(output).toContain('SOAK PASSED');
      for (const fault of [
        'relay kill -9 + restart',
        'replica-0 SIGTERM + restart',
        'kafka cut + restore',
        'database cut + restore',
      ])
        expect(output).toContain(`fault ${fault}`);
      expect(output).toMatch(/missing: 0; out of order: 0;/);
      expect(output).toMatch(/orders: [1-9]\d*, equal to the fold of their events: /);
      // Not the load (15 s) but what follows it sets the time: the consumers settling the payment and risk messages
      // after the group's rebalances, the relay's drain and the checks. With the mock's rebalances at the default
      // 30 s session a whole run took 88-104 s alone and timed out at 110 s beside other test runs; the soak now
      // runs the consumers with a 10 s session on the mock, and a run takes ~36 s alone. 180 s, no check left out.
    },
    SOAK_TIMEOUT_MS,
  );

  it('stopped by a SIGTERM of its own mid-run, stops every process it started before it exits', async () => {
    const { code, output, started } = await runSoak(
      ['--duration', '60', '--seed', '7', '--users', '2'],
      { stopAfterMs: 90_000, stopOn: /load started/ },
    );
    expect(output).toContain('SIGTERM: stopping');
    expect(code, output).toBe(130);
    // the replicas, the relay, the load driver and the mock cluster's kcat at least
    expect(started.length, output).toBeGreaterThanOrEqual(5);
    // killed ones are reaped by init a moment later
    await expect.poll(() => started.filter(isAlive), { timeout: 5_000 }).toEqual([]);
  }, 120_000);
});
