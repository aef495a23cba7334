import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
// @ts-expect-error: a plain ESM script of the repository (no types), shared with the benchmarks
import { descendantsOf, isRunning } from '../../../scripts/processTree.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Provided by scripts/vitest.global-setup.ts: a PostgreSQL server URL. */
    databaseUrl: string;
  }
}

const soakScript = fileURLToPath(new URL('../../../scripts/soak.mjs', import.meta.url));

/** A process by its pid and start time (/proc), so that a reused pid is not taken for it. */
interface ProcessRef {
  readonly pid: number;
  readonly startTime: string;
}

interface SoakRun {
  readonly code: number | null;
  readonly output: string;
}

/**
 * `pnpm soak` as its own process, on the run's PostgreSQL (it creates a fresh database there). Stopped with SIGTERM
 * (the soak then cleans up) at `stopAfterMs`, before the test's own timeout: a run that overstays fails with what it
 * printed so far, not with a bare "Test timed out". With `stopOn`, it gets the SIGTERM as soon as its output matches;
 * `below` then lists every process seen below it from that moment until it exited.
 */
const runSoak = (
  args: readonly string[],
  { stopAfterMs, stopOn }: { readonly stopAfterMs: number; readonly stopOn?: RegExp },
): Promise<SoakRun & { readonly below: readonly ProcessRef[] }> =>
  new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: inject('databaseUrl') };
    delete env.KAFKA_BROKERS;
    const child = spawn(process.execPath, [soakScript, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let signalled = false;
    const below = new Map<string, ProcessRef>();
    const look = () => {
      if (!child.pid) return;
      for (const found of descendantsOf(child.pid) as ProcessRef[])
        below.set(`${found.pid}@${found.startTime}`, found);
    };
    let watch: NodeJS.Timeout | undefined;
    const collect = (chunk: Buffer) => {
      output += chunk;
      if (!stopOn || signalled || !stopOn.test(output)) return;
      signalled = true;
      look();
      output += `\n[test] SIGTERM to the soak, with ${below.size} processes below it\n`;
      child.kill('SIGTERM');
      // what it starts (or restarts) after the signal counts too
      watch = setInterval(look, 100);
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
      clearInterval(watch);
      resolve({ code, output, below: [...below.values()] });
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

  it.each([
    ['as the load starts', /load started/, '30'],
    // a 10 s load: the replica's SIGTERM + restart (at 3 s) is under way as the relay's fault (at 1.5 s) ends, so its
    // restart comes while the soak cleans up, and must not start a replica that outlives it
    ['just after it killed the relay', /fault relay kill -9 \+ restart/, '10'],
    // the checks then read the database the clean-up drops: a run cut off so is no finding, and no second clean-up
    ['as the checks start', /load finished/, '10'],
  ])(
    'stopped by a SIGTERM of its own %s, stops every process it started before it exits (130)',
    async (_moment, stopOn, duration) => {
      const { code, output, below } = await runSoak(
        ['--duration', duration, '--seed', '7', '--users', '2'],
        { stopAfterMs: 90_000, stopOn },
      );
      expect(output).toContain('SIGTERM: stopping');
      expect(code, output).toBe(130);
      expect(output).not.toContain('SOAK FAILED');
      // the two replicas, the relay and the mock cluster's kcat at least (and the load driver while it runs)
      expect(below.length, output).toBeGreaterThanOrEqual(4);
      // a process the soak SIGKILLed is reaped by init a moment after it exited
      await expect
        .poll(() => below.filter((found) => isRunning(found)).map(({ pid }) => pid), {
          timeout: 5_000,
        })
        .toEqual([]);
    },
    120_000,
  );
});
