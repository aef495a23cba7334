import type pg from 'pg';
import type { Queryable } from '../pool.js';

export interface CheckpointStore {
  /** The saved position of a named reader (0 when it never saved one). */
  load(name: string): Promise<number>;
  save(name: string, position: number): Promise<void>;
}

export const createPgCheckpointStore = (db: Queryable | pg.Pool): CheckpointStore => ({
  async load(name) {
    const result = await db.query<{ position: string }>(
      'SELECT position FROM oms_checkpoints WHERE name = $1',
      [name],
    );
    return Number(result.rows[0]?.position ?? 0);
  },
  async save(name, position) {
    await db.query(
      `INSERT INTO oms_checkpoints (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [name, position],
    );
  },
});
