import { spawn } from 'node:child_process';
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

/**
 * `pnpm soak --duration 15` as its own process, on the run's PostgreSQL (it creates a fresh database there). Stopped
 * with SIGTERM (the soak then cleans up) at `stopAfterMs`, before the test's own timeout: a run that overstays fails
 * with what it printed so far, not with a bare "Test timed out".
 */
const runSoak = (args: readonly string[], stopAfterMs: number): Promise<SoakRun> =>
  new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: inject('databaseUrl') };
    delete env.KAFKA_BROKERS;
    const child = spawn(process.execPath, [soakScript, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const stop = setTimeout(() => {
      output += `\n[test] the soak was still running after ${stopAfterMs / 1000}s: SIGTERM\n`;
      child.kill('SIGTERM');
    }, stopAfterMs);
    // 'close': the exit code, and the output to its last line
    child.once('close', (code) => {
      clearTimeout(stop);
      resolve({ code, output });
    });
  });

const SOAK_TIMEOUT_MS = 180_000;

describe('the soak (short version)', () => {
  it(
    'keeps every promise under mixed load with the relay killed, the broker and the database cut and a replica restarted',
    async () => {
      const { code, output } = await runSoak(
        ['--duration', '15', '--seed', '7', '--users', '4'],
        SOAK_TIMEOUT_MS - 30_000,
      );
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
});
