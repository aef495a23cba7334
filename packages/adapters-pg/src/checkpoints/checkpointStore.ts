import type pg from 'pg';
import type { Queryable } from '../pool.js';

export interface CheckpointStore {
  /** The saved position of a named reader (0 when it never saved one). */
  load(name: string): Promise<number>;
  /**
   * Moves the checkpoint forward, never back (a lower position is refused: `checkpoint-behind`). With `epoch`, only
   * while that lease epoch is the current one (`checkpoint-fenced` otherwise): a relay that lost its lease cannot
   * save over the one that took it.
   */
  save(name: string, position: number, epoch?: number): Promise<void>;
  /**
   * Starts a new lease epoch (a relay that just took the lease): saves of every older epoch are refused from now.
   * `clean` says whether the previous holder released its epoch (false: it crashed or lost its lease, and a batch
   * it had in flight may still land).
   */
  fence(
    name: string,
  ): Promise<{ readonly epoch: number; readonly position: number; readonly clean: boolean }>;
  /** A clean end of an epoch (a relay that stops): the next holder need not wait for its last batch. */
  release(name: string, epoch: number): Promise<void>;
  /** The saved position, while `epoch` is current; `checkpoint-fenced` once another relay fenced the name. */
  check(name: string, epoch: number): Promise<number>;
  /** Saved positions of `name` and of its shards (`name/shard-…`), by checkpoint name (a relay's layouts). */
  family(name: string): Promise<ReadonlyMap<string, number>>;
}

export type CheckpointErrorCode = 'checkpoint-fenced' | 'checkpoint-behind';

/** A refused checkpoint write (`code` says why); the relay stops publishing on `checkpoint-fenced`. */
export class CheckpointRefusedError extends Error {
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CheckpointRefusedError';
  }
}

interface Row {
  readonly position: string;
  readonly lease_epoch: string;
}

export const createPgCheckpointStore = (db: Queryable | pg.Pool): CheckpointStore => {
  const current = async (name: string): Promise<Row | undefined> =>
    (
      await db.query<Row>('SELECT position, lease_epoch FROM oms_checkpoints WHERE name = $1', [
        name,
      ])
    ).rows[0];

  /** Why a conditional write changed nothing: another epoch, or a position ahead of the one saved. */
  const refusal = async (name: string, position: number, epoch?: number) => {
    const row = await current(name);
    if (epoch !== undefined && (row === undefined || Number(row.lease_epoch) !== epoch))
      return new CheckpointRefusedError(
        'checkpoint-fenced',
        `checkpoint ${name}: lease epoch ${epoch} is no longer current (now ${row?.lease_epoch ?? 'none'}); another relay took over`,
      );
    return new CheckpointRefusedError(
      'checkpoint-behind',
      `checkpoint ${name}: ${position} is behind the saved ${row?.position ?? 0}; a checkpoint only moves forward`,
    );
  };

  return {
    async load(name) {
      return Number((await current(name))?.position ?? 0);
    },
    async save(name, position, epoch) {
      const result =
        epoch === undefined
          ? await db.query(
              `INSERT INTO oms_checkpoints (name, position) VALUES ($1, $2)
               ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()
               WHERE oms_checkpoints.position <= EXCLUDED.position`,
              [name, position],
            )
          : await db.query(
              `UPDATE oms_checkpoints SET position = $2, updated_at = now()
                WHERE name = $1 AND lease_epoch = $3 AND position <= $2`,
              [name, position, epoch],
            );
      if (result.rowCount === 0) throw await refusal(name, position, epoch);
    },
    async fence(name) {
      const result = await db.query<Row & { readonly previous_released: boolean | null }>(
        `WITH previous AS (SELECT lease_released FROM oms_checkpoints WHERE name = $1)
         INSERT INTO oms_checkpoints (name, position, lease_epoch, lease_released) VALUES ($1, 0, 1, false)
         ON CONFLICT (name) DO UPDATE
           SET lease_epoch = oms_checkpoints.lease_epoch + 1, lease_released = false, updated_at = now()
         RETURNING position, lease_epoch, (SELECT lease_released FROM previous) AS previous_released`,
        [name],
      );
      const row = result.rows[0];
      return {
        epoch: Number(row?.lease_epoch ?? 0),
        position: Number(row?.position ?? 0),
        clean: row?.previous_released !== false,
      };
    },
    async release(name, epoch) {
      await db.query(
        'UPDATE oms_checkpoints SET lease_released = true WHERE name = $1 AND lease_epoch = $2',
        [name, epoch],
      );
    },
    async family(name) {
      const result = await db.query<{ name: string; position: string }>(
        `SELECT name, position FROM oms_checkpoints WHERE name = $1 OR starts_with(name, $1 || '/shard-')`,
        [name],
      );
      return new Map(result.rows.map((row) => [row.name, Number(row.position)]));
    },
    async check(name, epoch) {
      const row = await current(name);
      if (row === undefined || Number(row.lease_epoch) !== epoch)
        throw await refusal(name, 0, epoch);
      return Number(row.position);
    },
  };
};
