import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../embedded/startEmbeddedPostgres.js';

const run = promisify(execFile);

export interface LocalCluster {
  /** A URL to the `postgres` database (trust authentication, loopback only). */
  readonly url: string;
  readonly port: number;
  /** A folder the server's user can write (dump files go here). */
  readonly folder: string;
  /** The server's data directory. */
  readonly dataDir: string;
  /** The server's major version, e.g. 15. */
  readonly version: number;
  /** Runs one of the server's client programs (pg_dump, pg_restore, psql) with the given arguments. */
  tool(name: string, args: readonly string[]): Promise<string>;
  /** Stops the server at once (`-m immediate`) and keeps its data: `resume()` starts it again on the same port. */
  pause(): Promise<void>;
  /** Starts a paused server again (a replica catches up from its primary). */
  resume(): Promise<void>;
  /** Stops the server at once and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

const idOf = async (flag: '-u' | '-g'): Promise<number> =>
  Number((await run('id', [flag, 'postgres'])).stdout.trim());

/** Runs a program of the server's bindir in `folder`, as the `postgres` user when we are root. */
export type ClusterExec = (program: string, args: readonly string[]) => Promise<string>;

export interface ClusterFolder {
  readonly folder: string;
  readonly exec: ClusterExec;
  /** Runs any program (not only the server's) as the server's user, in the folder. */
  readonly execAny: ClusterExec;
}

/**
 * A temporary folder owned by the server's user and a way to run the PostgreSQL binaries of `pg_config --bindir`
 * there. As root (PostgreSQL refuses to run as root) the programs run as the `postgres` user.
 */
export const clusterFolder = async (prefix = 'oms-cluster-'): Promise<ClusterFolder> => {
  const bindir = (await run('pg_config', ['--bindir'])).stdout.trim();
  const folder = await mkdtemp(join(tmpdir(), prefix));
  const asPostgres = isRoot();
  if (asPostgres) await chown(folder, await idOf('-u'), await idOf('-g'));
  const execAny: ClusterExec = async (binary, args) => {
    const { stdout } = asPostgres
      ? await run('runuser', ['-u', 'postgres', '--', binary, ...args], { cwd: folder })
      : await run(binary, [...args], { cwd: folder });
    return stdout;
  };
  return { folder, execAny, exec: (program, args) => execAny(join(bindir, program), args) };
};

/**
 * Starts (`pg_ctl start -w`) a server on an existing data directory; returns the handle. Used for a fresh cluster
 * and for a streaming replica made by `pg_basebackup`.
 */
export const launchCluster = async (
  { folder, exec }: ClusterFolder,
  data: string,
  settings: Readonly<Record<string, string | number>> = {},
): Promise<LocalCluster> => {
  const port = await findFreePort();
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    "-c unix_socket_directories=''",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
  ].join(' ');
  const start = () =>
    exec('pg_ctl', ['-D', data, '-o', options, '-l', join(folder, 'server.log'), '-w', 'start']);
  const halt = () =>
    exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await halt();
    await rm(folder, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  const version = Number.parseInt((await exec('postgres', ['--version'])).replace(/^\D+/, ''), 10);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    folder,
    dataDir: data,
    version,
    tool: (name, args) => exec(name, args),
    pause: async () => {
      await halt();
    },
    resume: async () => {
      await start();
    },
    stop,
  };
};

/**
 * A throw-away PostgreSQL cluster of the server binaries installed on this machine (`pg_config --bindir`, e.g. the
 * Debian PostgreSQL 15 packages), for tests that need a cluster of their own: a restore into a NEW cluster, server
 * settings such as `max_prepared_transactions`, a streaming replica (`startStreamingReplica`), or transactions held
 * open without touching a shared server. As root (PostgreSQL refuses to run as root) initdb and pg_ctl run as the
 * `postgres` user, in a temporary folder this test created and gave to that user. Its pg_hba (initdb's default,
 * trust) lets loopback connections replicate.
 */
export const startLocalCluster = async (
  settings: Readonly<Record<string, string | number>> = {},
): Promise<LocalCluster> => {
  const place = await clusterFolder();
  const data = join(place.folder, 'data');
  try {
    await place.exec('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
  } catch (error) {
    await rm(place.folder, { recursive: true, force: true });
    throw error;
  }
  return launchCluster(place, data, settings);
};
