import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createLocalKeyManagement,
  generateMasterKey,
  type KeyManagement,
  MasterKeyError,
} from '@oms/adapters-pg';
import type pg from 'pg';
import type { Logger } from 'pino';
import { type Config, ConfigError } from './config.js';

/** With the embedded PostgreSQL and no OMS_MASTER_KEY, the master key kept beside its data (mode 0600). */
export const MASTER_KEY_FILE = 'oms-master-key';

const keptMasterKey = async (dataDir: string): Promise<string> => {
  const file = join(dataDir, MASTER_KEY_FILE);
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept.length > 0) return kept;
  } catch {
    // none yet
  }
  const key = generateMasterKey();
  await writeFile(`${file}.partial`, `${key}\n`, { mode: 0o600 });
  await rename(`${file}.partial`, file);
  await chmod(file, 0o600);
  return key;
};

interface KeyUse {
  readonly master_key_id: string | null;
  readonly keys: number;
}

/**
 * The master key of the personal-data encryption (spec §7): `OMS_MASTER_KEY` (with `OMS_PREVIOUS_MASTER_KEYS`
 * during a rotation); with the embedded PostgreSQL and none given, one generated once and kept in the data
 * directory. With an external database and none given, personal data is stored plain, and the start stops if the
 * database already holds encrypted data, or data keys wrapped by a master key that is not configured.
 */
export const openKeyManagement = async (
  config: Config,
  pool: pg.Pool,
  logger: Logger,
): Promise<KeyManagement | undefined> => {
  let masterKey = config.OMS_MASTER_KEY;
  if (masterKey === undefined && config.DATABASE_URL === undefined)
    masterKey = await keptMasterKey(config.dataDir);
  let keyManagement: KeyManagement | undefined;
  try {
    keyManagement =
      masterKey === undefined
        ? undefined
        : await createLocalKeyManagement({
            masterKey,
            previousMasterKeys: (config.OMS_PREVIOUS_MASTER_KEYS ?? '')
              .split(',')
              .map((key) => key.trim())
              .filter((key) => key.length > 0),
          });
  } catch (error) {
    if (error instanceof MasterKeyError)
      throw new ConfigError(`invalid configuration: OMS_MASTER_KEY: ${error.message}`);
    throw error;
  }
  const used = await pool.query<KeyUse>(
    `SELECT master_key_id, count(*)::int AS keys FROM oms_data_keys WHERE wrapped_key IS NOT NULL
      GROUP BY master_key_id`,
  );
  if (!keyManagement) {
    if (used.rows.length > 0)
      throw new ConfigError(
        'the database holds encrypted personal data: set OMS_MASTER_KEY to the master key it was written with',
      );
    logger.warn('OMS_MASTER_KEY is not set: personal data is stored unencrypted');
    return undefined;
  }
  const unknown = used.rows.filter((row) => !keyManagement.knows(row.master_key_id ?? ''));
  if (unknown.length > 0)
    throw new ConfigError(
      `OMS_MASTER_KEY is not the master key of ${unknown.reduce((n, row) => n + row.keys, 0)} data keys (wrapped by ${unknown.map((row) => row.master_key_id).join(', ')}): set the key they were written with (or add it to OMS_PREVIOUS_MASTER_KEYS and run pnpm oms keys rotate)`,
    );
  const stale = used.rows.filter((row) => row.master_key_id !== keyManagement.currentMasterKeyId);
  if (stale.length > 0)
    logger.warn(
      { keys: stale.reduce((n, row) => n + row.keys, 0) },
      'data keys are wrapped by a previous master key: run pnpm oms keys rotate',
    );
  return keyManagement;
};
