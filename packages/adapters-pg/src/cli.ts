#!/usr/bin/env node
import { purgeExpiredIdempotencyKeys } from './idempotency/pgIdempotencyStore.js';
import { runMigrations } from './migrations/runMigrations.js';
import { createPool } from './pool.js';
import { rebuildReadModels } from './projections/rebuildReadModels.js';

const USAGE = `usage: oms-pg <command>   (DATABASE_URL names the database)
  migrate               apply pending schema migrations
  rebuild-read-models   recompute order summaries and documents from the events
  purge-idempotency     delete expired idempotency records`;

const main = async (command: string | undefined): Promise<number> => {
  const url = process.env.DATABASE_URL;
  if (!command || !['migrate', 'rebuild-read-models', 'purge-idempotency'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (!url) {
    process.stderr.write('DATABASE_URL is not set\n');
    return 2;
  }
  const pool = createPool(url, { max: 2 });
  try {
    const migrated = await runMigrations(pool);
    if (command === 'migrate')
      process.stdout.write(
        `${JSON.stringify({ migrated: migrated.applied, schemaVersion: migrated.current })}\n`,
      );
    if (command === 'rebuild-read-models')
      process.stdout.write(`${JSON.stringify(await rebuildReadModels(pool))}\n`);
    if (command === 'purge-idempotency') {
      const purged = await purgeExpiredIdempotencyKeys(pool);
      if (purged.isErr()) throw new Error(purged.error.message);
      process.stdout.write(`${JSON.stringify({ purged: purged.value })}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(
      `oms-pg ${command} failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  } finally {
    await pool.end().catch(() => undefined);
  }
};

main(process.argv[2]).then((code) => {
  process.exitCode = code;
});
