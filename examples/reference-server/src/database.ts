import { join } from 'node:path';
import {
  createPool,
  type EmbeddedPostgresHandle,
  type KeyManagement,
  runMigrations,
  startEmbeddedPostgres,
} from '@oms/adapters-pg';
import type pg from 'pg';
import type { Logger } from 'pino';
import { type Config, redactUrl } from './config.js';
import { openKeyManagement } from './masterKey.js';

export interface Database {
  readonly pool: pg.Pool;
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
  const pool = createPool(url, {
    max: 20,
    applicationName,
    statementTimeoutMillis: config.OMS_PG_STATEMENT_TIMEOUT_MS,
    lockTimeoutMillis: config.OMS_PG_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMillis: config.OMS_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    onError: (error) =>
      logger.warn(
        { error: { message: error.message, code: (error as { code?: string }).code } },
        'database connection lost; commands answer 503 until it is back',
      ),
  });
  let keyManagement: KeyManagement | undefined;
  try {
    const report = await runMigrations(pool);
    logger.debug({ migrations: report }, 'migrations applied');
    keyManagement = await openKeyManagement(config, pool, logger);
  } catch (error) {
    await pool.end().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  return {
    pool,
    url,
    keyManagement,
    description: embedded
      ? `embedded PostgreSQL (data in ${embedded.dataDir})`
      : `external ${redactUrl(url)}`,
    close: async () => {
      await pool
        .end()
        .catch((error: unknown) => logger.warn({ err: error }, 'closing the pool failed'));
      await embedded?.stop();
    },
  };
};
