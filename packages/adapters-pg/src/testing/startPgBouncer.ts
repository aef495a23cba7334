import { readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findFreePort } from '../embedded/startEmbeddedPostgres.js';
import { clusterFolder } from './startLocalCluster.js';

export interface PgBouncer {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` through the pooler (default database `postgres`). */
  urlFor(database?: string): string;
  readonly port: number;
  readonly folder: string;
  /** Stops PgBouncer and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The PostgreSQL server behind it (loopback, trust authentication, user `postgres`). */
  readonly upstreamPort: number;
  readonly poolMode?: 'transaction' | 'session' | 'statement';
  /** Server connections per database/user pair (default 5: fewer than clients, so connections are shared). */
  readonly poolSize?: number;
}

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

/**
 * PgBouncer (Debian's `pgbouncer`, on PATH) in front of a local server, every database passed through, in
 * transaction pool mode by default: each transaction may run on a different server connection, so any session
 * state (a named prepared statement, `SET`, a session advisory lock, `LISTEN`) leaks or vanishes. It ignores the
 * startup parameters `statement_timeout`, `lock_timeout` and `idle_in_transaction_session_timeout` that `createPool`
 * sends (PgBouncer < 1.20 refuses unknown ones): behind a pooler, set those on the role instead.
 */
export const startPgBouncer = async ({
  upstreamPort,
  poolMode = 'transaction',
  poolSize = 5,
}: PgBouncerOptions): Promise<PgBouncer> => {
  const place = await clusterFolder('oms-pgbouncer-');
  const { folder } = place;
  const port = await findFreePort();
  const pidfile = join(folder, 'pgbouncer.pid');
  const ini = join(folder, 'pgbouncer.ini');
  await writeFile(join(folder, 'userlist.txt'), '"postgres" ""\n');
  await writeFile(
    ini,
    [
      '[databases]',
      `* = host=127.0.0.1 port=${upstreamPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(folder, 'userlist.txt')}`,
      `pool_mode = ${poolMode}`,
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 500',
      'ignore_startup_parameters = extra_float_digits,statement_timeout,lock_timeout,idle_in_transaction_session_timeout',
      `pidfile = ${pidfile}`,
      `logfile = ${join(folder, 'pgbouncer.log')}`,
      'admin_users = postgres',
      '',
    ].join('\n'),
  );
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const pid = Number((await readFile(pidfile, 'utf8').catch(() => '')).trim());
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGINT');
        for (let i = 0; i < 100; i += 1) {
          process.kill(pid, 0);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await rm(folder, { recursive: true, force: true });
  };
  try {
    await place.execAny('pgbouncer', ['-d', ini]);
    const deadline = Date.now() + 10_000;
    while (!(await listening(port))) {
      if (Date.now() > deadline) throw new Error('pgbouncer did not start listening in 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } catch (error) {
    const log = await readFile(join(folder, 'pgbouncer.log'), 'utf8').catch(() => '');
    await stop();
    throw new Error(`pgbouncer failed to start: ${String(error)}\n${log}`);
  }
  return {
    urlFor: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    folder,
    stop,
  };
};
