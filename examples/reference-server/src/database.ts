import { join } from 'node:path';
import {
  type AppendBatching,
  createPool,
  type EmbeddedPostgresHandle,
  type KeyManagement,
  runMigrations,
  startEmbeddedPostgres,
} from '@oms/adapters-pg';
import type pg from 'pg';
import type { Logger } from 'pino';
import { type Config, redactUrl } from './config.js';
import { directPoolSize } from './directPoolSize.js';
import { openKeyManagement } from './masterKey.js';

export interface Database {
  /** DATABASE_URL's pool (possibly through a transaction-mode pooler): every command and query. */
  readonly pool: pg.Pool;
  /** DATABASE_DIRECT_URL's pool (else `pool`): the relay's lease and the migrations, which hold session state. */
  readonly directPool: pg.Pool;
  /** DATABASE_READ_URL's pool, a streaming replica, when configured. */
  readonly readPool?: pg.Pool;
  readonly url: string;
  /** For the start-up line: where the data is, without a password. */
  readonly description: string;
  /** The master key of personal data (masterKey.ts), undefined when it is stored plain. */
  readonly keyManagement: KeyManagement | undefined;
  close(): Promise<void>;
}

/** `DATABASE_URL` when set; otherwise an embedded PostgreSQL with its data under the data directory. */
export const openDatabase = async (
  config: Config,
  logger: Logger,
  applicationName: string,
): Promise<Database> => {
  let embedded: EmbeddedPostgresHandle | undefined;
  let url = config.DATABASE_URL;
  if (url === undefined) {
    const dataDir = join(config.dataDir, 'pg');
    embedded = await startEmbeddedPostgres({
      dataDir,
      onLog: (message) => logger.trace({ postgres: message.trim() }, 'embedded postgres'),
    });
    url = embedded.url;
  }
  const options = {
    applicationName,
    statementTimeoutMillis: config.OMS_PG_STATEMENT_TIMEOUT_MS,
    lockTimeoutMillis: config.OMS_PG_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMillis: config.OMS_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    onError: (error: Error) =>
      logger.warn(
        { error: { message: error.message, code: (error as { code?: string }).code } },
        'database connection lost; commands answer 503 until it is back',
      ),
  };
  // A direct URL beside DATABASE_URL means DATABASE_URL is a transaction-mode pooler: no named statements there.
  const preparedStatements =
    config.OMS_PG_PREPARED_STATEMENTS ?? config.DATABASE_DIRECT_URL === undefined;
  const pool = createPool(url, { ...options, max: 20, preparedStatements });
  const directPool = config.DATABASE_DIRECT_URL
    ? createPool(config.DATABASE_DIRECT_URL, { ...options, max: directPoolSize(config) })
    : pool;
  const readPool = config.DATABASE_READ_URL
    ? createPool(config.DATABASE_READ_URL, {
        ...options,
        max: 20,
        preparedStatements,
        // a dead replica must cost a read little before it falls back to the primary
        connectionTimeoutMillis: 1_000,
        onError: (error: Error) =>
          logger.warn({ error: { message: error.message } }, 'read replica connection lost'),
      })
    : undefined;
  const endPools = async () => {
    const pools = [
      pool,
      ...(directPool === pool ? [] : [directPool]),
      ...(readPool ? [readPool] : []),
    ];
    await Promise.all(
      pools.map((each) =>
        each.end().catch((error: unknown) => logger.warn({ err: error }, 'closing a pool failed')),
      ),
    );
  };
  let keyManagement: KeyManagement | undefined;
  try {
    const report = await runMigrations(directPool);
    logger.debug({ migrations: report }, 'migrations applied');
    keyManagement = await openKeyManagement(config, pool, logger);
  } catch (error) {
    await endPools();
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  return {
    pool,
    directPool,
    ...(readPool ? { readPool } : {}),
    url,
    keyManagement,
    description: embedded
      ? `embedded PostgreSQL (data in ${embedded.dataDir})`
      : `external ${redactUrl(url)}`,
    close: async () => {
      await endPools();
      await embedded?.stop();
    },
  };
};

/** The group commit of the server's appends (OMS_PG_APPENDS_IN_FLIGHT; 0: none). */
export const appendBatching = (config: Config): AppendBatching | undefined =>
  config.OMS_PG_APPENDS_IN_FLIGHT > 0
    ? { maxInFlight: config.OMS_PG_APPENDS_IN_FLIGHT }
    : undefined;
