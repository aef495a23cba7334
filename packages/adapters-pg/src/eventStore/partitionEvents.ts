import type pg from 'pg';
import { READ_ALL_FUNCTION_SQL } from './positions.js';

export interface PartitionEventsReport {
  /** Partitions of `oms_events` after the run. */
  readonly partitions: number;
  /** Events copied (0 when it was already partitioned). */
  readonly copied: number;
  readonly alreadyPartitioned: boolean;
  readonly seconds: number;
}

/** The unique key's name on a partition: the append maps a violation of it to a concurrency conflict. */
export const partitionKeyName = (partition: string): string => `${partition}_stream_version_key`;

/** Is this constraint (as a unique violation reports it) the per-stream version key, of the table or a partition? */
export const isStreamVersionKey = (constraint: unknown): boolean =>
  typeof constraint === 'string' && /^oms_events(_p\d+)?_stream_version_key$/.test(constraint);

/** Is it the global position key, of the table or of a partition? */
export const isPositionKey = (constraint: unknown): boolean =>
  typeof constraint === 'string' && /^oms_events(_p\d+)?_pkey$/.test(constraint);

/**
 * Opt-in operator command (`oms partition-events [n]`): turns `oms_events` into a table hash-partitioned by
 * `stream_id` into `partitions` partitions (PostgreSQL's declarative partitioning), in one transaction.
 *
 * Why hash by stream: PostgreSQL enforces a unique key on a partitioned table only when it contains the partition
 * key. With `stream_id` as the key, `UNIQUE (stream_id, stream_version)` — the append's concurrency check — stays
 * enforced by the database; the primary key becomes `(global_position, stream_id)` (positions come from one sequence,
 * so they stay unique). A range partitioning by position or time would make old partitions easy to detach, but
 * could no longer enforce the per-stream key across partitions: two racing appends landing in two partitions would
 * both succeed. Every hot path prunes to one partition (a stream's read, the append's version check) or merges
 * ordered index scans (the global reader: `global_position > $1 ORDER BY global_position LIMIT n` over each
 * partition's primary key); the gap-free barrier (positions.ts) does not depend on the table's layout.
 *
 * It copies every event under an ACCESS EXCLUSIVE lock (appends and readers wait until it commits): run it on a new
 * or small database, or in a maintenance window (the README gives a measured rate). Running it again is a no-op.
 */
export const partitionEvents = async (
  pool: pg.Pool,
  { partitions }: { readonly partitions: number },
): Promise<PartitionEventsReport> => {
  if (!Number.isInteger(partitions) || partitions < 2 || partitions > 1024)
    throw new RangeError('partitions must be an integer from 2 to 1024');
  const started = Date.now();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('LOCK TABLE oms_events IN ACCESS EXCLUSIVE MODE');
    const kind = await client.query<{ relkind: string; partitions: number }>(
      `SELECT c.relkind, (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid)::integer AS partitions
         FROM pg_class c WHERE c.oid = 'oms_events'::regclass`,
    );
    if (kind.rows[0]?.relkind === 'p') {
      await client.query('ROLLBACK');
      return {
        partitions: kind.rows[0].partitions,
        copied: 0,
        alreadyPartitioned: true,
        seconds: (Date.now() - started) / 1000,
      };
    }
    // Other indexes (not the two keys) are re-created on the new table by their definitions.
    const extraIndexes = await client.query<{ name: string; definition: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = 'oms_events'::regclass
          AND i.relname NOT IN ('oms_events_pkey', 'oms_events_stream_version_key')`,
    );
    await client.query(`CREATE TABLE oms_events_partitioned
      (LIKE oms_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY HASH (stream_id)`);
    for (let n = 0; n < partitions; n += 1)
      await client.query(
        `CREATE TABLE oms_events_p${n} PARTITION OF oms_events_partitioned
           FOR VALUES WITH (MODULUS ${partitions}, REMAINDER ${n})`,
      );
    const copied = await client.query(
      'INSERT INTO oms_events_partitioned SELECT * FROM oms_events',
    );
    await client.query(`ALTER TABLE oms_events_partitioned
      ADD CONSTRAINT oms_events_partitioned_pkey PRIMARY KEY (global_position, stream_id),
      ADD CONSTRAINT oms_events_partitioned_stream_version_key UNIQUE (stream_id, stream_version)`);
    await client.query('DROP FUNCTION oms_read_all(bigint, integer)');
    await client.query('DROP TABLE oms_events');
    await client.query('ALTER TABLE oms_events_partitioned RENAME TO oms_events');
    await client.query(
      'ALTER TABLE oms_events RENAME CONSTRAINT oms_events_partitioned_pkey TO oms_events_pkey',
    );
    await client.query(
      'ALTER TABLE oms_events RENAME CONSTRAINT oms_events_partitioned_stream_version_key TO oms_events_stream_version_key',
    );
    // Each partition's key indexes get names the append recognises in a unique violation.
    const partitionIndexes = await client.query<{
      partition: string;
      index: string;
      primary: boolean;
    }>(
      `SELECT p.relname AS partition, i.relname AS index, x.indisprimary AS primary
         FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhrelid
         JOIN pg_index x ON x.indrelid = p.oid JOIN pg_class i ON i.oid = x.indexrelid
        WHERE h.inhparent = 'oms_events'::regclass AND x.indisunique`,
    );
    for (const row of partitionIndexes.rows) {
      const name = row.primary ? `${row.partition}_pkey` : partitionKeyName(row.partition);
      if (name !== row.index)
        await client.query(`ALTER INDEX ${quote(row.index)} RENAME TO ${quote(name)}`);
    }
    for (const index of extraIndexes.rows)
      await client.query(index.definition.replace(/ ON (ONLY )?\S*oms_events /, ' ON oms_events '));
    await client.query(READ_ALL_FUNCTION_SQL);
    await client.query('COMMIT');
    await client.query('ANALYZE oms_events');
    return {
      partitions,
      copied: copied.rowCount ?? 0,
      alreadyPartitioned: false,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
