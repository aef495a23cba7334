import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const serverDist = new URL('../../examples/reference-server/dist/', import.meta.url);
export const MAIN_JS = fileURLToPath(new URL('main.js', serverDist));
export const CLI_JS = fileURLToPath(new URL('cli.js', serverDist));

/** Every child this soak started, so that nothing outlives it (killed by pid, one by one). */
const children = new Set();
export const killAllChildren = () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
};

/** Resident set size of a process in MB, from /proc/<pid>/status (undefined once it has gone). */
export const rssMb = (pid) => {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Starts `node <script> ...args` with `env`, its output appended to `logFile`; resolves once a line of its output
 * contains `readyMarker` (rejects if it exits first or after `timeoutMs`).
 */
export const startNodeProcess = async ({
  name,
  script,
  args = [],
  env,
  logFile,
  readyMarker,
  timeoutMs = 60_000,
}) => {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [script, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let tail = '';
  let ready = false;
  let resolveReady;
  let rejectReady;
  const readyPromise = new Promise((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const onData = (chunk) => {
    log.write(chunk);
    if (ready) return;
    tail = (tail + chunk.toString('utf8')).slice(-20_000);
    if (tail.includes(readyMarker)) {
      ready = true;
      resolveReady();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      log.end();
      if (!ready)
        rejectReady(
          new Error(
            `${name} exited (${code ?? signal}) before it was ready:\n${tail.slice(-3000)}`,
          ),
        );
      resolve({ code, signal });
    }),
  );
  const timer = setTimeout(() => {
    if (!ready) {
      child.kill('SIGKILL');
      rejectReady(new Error(`${name} was not ready after ${timeoutMs} ms:\n${tail.slice(-3000)}`));
    }
  }, timeoutMs);
  try {
    await readyPromise;
  } finally {
    clearTimeout(timer);
  }
  return { name, child, pid: child.pid, exited };
};

/** Runs a node script to completion and returns its exit code and output. */
export const runNode = (script, args, env, timeoutMs = 120_000) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });

/** Registers a forked child (the load driver) for the final clean-up. */
export const track = (child) => {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
};
