// The reference server as `pnpm start` runs it: its built dist/main.js, with the V8 flags start.mjs gives it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@oms/adapters-pg';
import { serverNodeFlags } from '../../scripts/serverNodeFlags.mjs';

const MAIN_JS = fileURLToPath(
  new URL('../../examples/reference-server/dist/main.js', import.meta.url),
);
/** Variables of the caller's environment that would change what the server does (Kafka, auth). */
const LEFT_OUT = ['KAFKA_BROKERS', 'OMS_API_KEYS', 'OMS_REQUIRE_IDEMPOTENCY_KEY'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

const isUp = async (url) => {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
};

/**
 * Starts the server on `databaseUrl` (LOG_LEVEL=warn, no Kafka, `extraEnv` on top) and waits until /health answers.
 * `nodeFlags` defaults to `pnpm start`'s. Returns its url, pid, CPU time so far (µs) and `stop()` (SIGTERM, then
 * SIGKILL after 15 s).
 */
export const startReferenceServer = async ({
  databaseUrl,
  extraEnv = {},
  nodeFlags = serverNodeFlags(),
}) => {
  const port = await findFreePort();
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  for (const name of LEFT_OUT) if (!(name in extraEnv)) delete env[name];
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...nodeFlags, MAIN_JS], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  while (!(await isUp(url))) {
    if (child.exitCode !== null)
      throw new Error(`the server exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server did not start:\n${output}`);
    }
    await sleep(50);
  }
  return {
    url,
    pid: child.pid,
    /** User + system CPU time of the server process so far, in microseconds (/proc/<pid>/stat). */
    cpu: async () => {
      const fields =
        readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      // after "pid (comm) ": state is field 3, utime field 14, stime field 15
      const ticks = Number(fields[11]) + Number(fields[12]);
      return (ticks * 1_000_000) / TICKS_PER_SECOND;
    },
    stop,
  };
};
