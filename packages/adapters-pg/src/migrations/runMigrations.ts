import type pg from 'pg';
import { ALIGN_POSITION_SEQUENCE_SQL } from '../eventStore/positions.js';
import { MIGRATIONS, type Migration } from './migrations.js';

/** Advisory lock key of the migrator (advisory locks are per database, so databases never wait on each other). */
export const MIGRATION_LOCK_KEY = 7_270_001;

/** The migration from which positions come from `oms_events_position_seq`. */
const POSITIONS_MIGRATION = 5;

export interface MigrationReport {
  readonly applied: readonly number[];
  readonly current: number;
}

/**
 * Applies the pending migrations in one transaction under a transaction-scoped advisory lock: two processes that
 * start at once serialise here, and the second finds everything applied. Idempotent. Then, every time, moves the
 * position sequence above the stored events if a logical copy left it behind (positions.ts), so a server started on
 * a restored or replicated database needs no manual step.
 */
export const runMigrations = async (
  pool: pg.Pool,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationReport> => {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    // A migration may take long and wait long (another process migrating): the pool's session timeouts are lifted
    // for this transaction only.
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SET LOCAL lock_timeout = 0');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS oms_schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const done = await client.query<{ version: number }>(
      'SELECT version FROM oms_schema_migrations',
    );
    const appliedBefore = new Set(done.rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (appliedBefore.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO oms_schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    if (Math.max(0, ...appliedBefore, ...applied) >= POSITIONS_MIGRATION)
      await client.query(ALIGN_POSITION_SEQUENCE_SQL);
    await client.query('COMMIT');
    const current = Math.max(0, ...appliedBefore, ...applied);
    return { applied, current };
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    // A connection that could not even roll back is destroyed rather than returned to the pool.
    client.release(broken);
  }
};
