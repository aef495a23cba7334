import { type InfrastructureError, internalError, serviceUnavailable } from '@oms/domain';
import type { Tracer } from '@opentelemetry/api';
import { ResultAsync } from 'neverthrow';
import pg from 'pg';
import { tracePool } from './tracing/tracePool.js';

export interface CreatePoolOptions {
  readonly max?: number;
  readonly connectionTimeoutMillis?: number;
  readonly idleTimeoutMillis?: number;
  /** Called with errors of idle clients (a restarted or unreachable server); they never crash the process. */
  readonly onError?: (error: Error) => void;
  readonly applicationName?: string;
  /** Server-side `statement_timeout` of every session (default 30 s; 0: the server's setting). */
  readonly statementTimeoutMillis?: number;
  /** `lock_timeout`: the longest wait for a row or table lock (default 5 s; 0: the server's setting). */
  readonly lockTimeoutMillis?: number;
  /** `idle_in_transaction_session_timeout`: a transaction left open this long loses its session (default 60 s). */
  readonly idleInTransactionTimeoutMillis?: number;
  /**
   * Named (server-side, per-session) prepared statements for the queries that name one (default true). Turn off
   * behind a transaction-mode pooler (PgBouncer before 1.21 keeps no prepared statements across server
   * connections): every query then runs as an unnamed statement, which lives within its own round trip.
   */
  readonly preparedStatements?: boolean;
  /**
   * A span per statement (OpenTelemetry database conventions; default true). The spans go to `tracer`, by default
   * the global tracer provider's: a no-op until an OpenTelemetry SDK is registered.
   */
  readonly tracing?: boolean;
  readonly tracer?: Tracer;
}

/** The session timeouts `createPool` gives every connection unless told otherwise. */
export const DEFAULT_SESSION_TIMEOUTS = {
  statementTimeoutMillis: 30_000,
  lockTimeoutMillis: 5_000,
  idleInTransactionTimeoutMillis: 60_000,
} as const;

/**
 * A pg Pool with an 'error' listener, so that a database restart never crashes the process, and session timeouts:
 * a locked row or a stuck statement answers `service-unavailable` instead of holding a connection (and the readers
 * behind an append) for ever. The timeouts travel in the connection's startup packet, not as `SET` commands, so no
 * session state is left behind on a pooled server connection (PgBouncer ≥ 1.20 passes them on when listed in
 * `track_extra_parameters`; otherwise set them on the role: `ALTER ROLE … SET statement_timeout = …`).
 */
export const createPool = (
  connectionString: string,
  {
    max = 10,
    connectionTimeoutMillis = 5_000,
    idleTimeoutMillis = 30_000,
    onError = () => undefined,
    applicationName = 'oms-order-intake',
    statementTimeoutMillis = DEFAULT_SESSION_TIMEOUTS.statementTimeoutMillis,
    lockTimeoutMillis = DEFAULT_SESSION_TIMEOUTS.lockTimeoutMillis,
    idleInTransactionTimeoutMillis = DEFAULT_SESSION_TIMEOUTS.idleInTransactionTimeoutMillis,
    preparedStatements = true,
    tracing = true,
    tracer,
  }: CreatePoolOptions = {},
): pg.Pool => {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis,
    idleTimeoutMillis,
    application_name: applicationName,
    // pg sends only non-zero values: 0 leaves the server's (or the role's) setting in force.
    statement_timeout: statementTimeoutMillis,
    lock_timeout: lockTimeoutMillis,
    idle_in_transaction_session_timeout: idleInTransactionTimeoutMillis,
  });
  pool.on('error', onError);
  const statements = preparedStatements ? pool : withoutNamedStatements(pool);
  return tracing ? tracePool(statements, tracer ? { tracer } : {}) : statements;
};

/**
 * A pool whose `query` drops the statement name of every query config: nothing is prepared on the server session,
 * so the pool works behind PgBouncer in transaction mode (where the next transaction may run on another server
 * connection). Clients taken with `pool.connect()` are not affected: hold those on a direct connection.
 */
export const withoutNamedStatements = (pool: pg.Pool): pg.Pool => {
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const unnamed = (...args: unknown[]): unknown => {
    const [config, ...rest] = args;
    if (typeof config === 'object' && config !== null && 'name' in config) {
      const { name: _name, ...plain } = config as { name?: unknown };
      return query(plain, ...rest);
    }
    return query(...args);
  };
  pool.query = unnamed as typeof pool.query;
  return pool;
};

/** Adds a no-op 'error' listener to a pool that has none (pg emits idle-client errors on the pool). */
export const guardPool = (pool: pg.Pool): pg.Pool => {
  if (pool.listenerCount('error') === 0) pool.on('error', () => undefined);
  return pool;
};

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '3D000', // invalid_catalog_name: the database is gone
  // Not a connection failure, but just as passing: the same statement succeeds when tried again.
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '25006', // read_only_sql_transaction: a failover left us on a replica for a moment
  '55P03', // lock_not_available
  '57014', // query_canceled: statement timeout
  '25P03', // idle_in_transaction_session_timeout: the session was ended
  '53200', // out_of_memory
  '53100', // disk_full
]);

const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
  'Client was closed',
  'connection timeout',
];

/**
 * True for failures that mean "the database cannot do this right now" (unreachable, restarting, failing over, out of
 * resources, a deadlock or timeout) rather than "this statement is wrong": the caller may try again later.
 */
export const isConnectionError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08')))
    return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return CONNECTION_MESSAGES.some((message) => error.message.includes(message));
};

export const toInfrastructureError = (error: unknown): InfrastructureError =>
  isConnectionError(error)
    ? serviceUnavailable()
    : internalError(
        `database operation failed${error instanceof Error && 'code' in error ? ` (${String((error as { code?: unknown }).code)})` : ''}`,
        error,
      );

/** Runs a pg call and maps a rejection to `service-unavailable` (unreachable) or `internal`. */
export const attempt = <T>(run: () => Promise<T>): ResultAsync<T, InfrastructureError> =>
  ResultAsync.fromPromise(Promise.resolve().then(run), toInfrastructureError);

export type Queryable = Pick<pg.Pool, 'query'>;

/** Readiness probe: one trivial round trip. */
export const pingDatabase = (db: Queryable): ResultAsync<void, InfrastructureError> =>
  attempt(() => db.query('SELECT 1')).map(() => undefined);
