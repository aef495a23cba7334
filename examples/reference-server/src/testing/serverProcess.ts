import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
export const SERVER_CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/**
 * A fresh folder for a server process's data: its own (not the shared temp dir's mode), so that the postgres user
 * that runs the embedded server (when the tests run as root) can enter it.
 */
export const makeServerDataDir = (prefix: string): string => {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dataDir, 0o755);
  return dataDir;
};

/** A POST to the server, with a JSON body when one is given. */
export const post = (url: string, body?: unknown): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** A node process of the server package (`args` after node), its stdout and stderr collected, and its exit code. */
export const spawnWithOutput = (
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Omit<ServerProcess, 'url'> => {
  const child = spawn(process.execPath, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
};

/**
 * The real server process as `pnpm start` runs it: on its own embedded PostgreSQL under `dataDir` (DATABASE_URL
 * is removed), without Kafka unless `env` names brokers.
 */
export const startServerProcess = async (
  port: number,
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess> => {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
  delete childEnv.DATABASE_URL;
  delete childEnv.KAFKA_BROKERS;
  Object.assign(childEnv, { PORT: String(port), OMS_DATA_DIR: dataDir }, env);
  const { child, output, exited } = spawnWithOutput([SERVER_MAIN], childEnv);
  const deadline = Date.now() + 90_000;
  while (!output().includes('listening on')) {
    if (child.exitCode !== null)
      throw new Error(`the server exited with ${child.exitCode}:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`the server did not start in time:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url: `http://127.0.0.1:${port}`, output, exited };
};

/** SIGTERM, then the exit code. */
export const stopServerProcess = async (server: ServerProcess): Promise<number | null> => {
  if (server.child.exitCode !== null) return server.child.exitCode;
  server.child.kill('SIGTERM');
  return server.exited;
};
