import type pg from 'pg';
import type { Queryable } from '../pool.js';

export type ParkedStatus =
  | 'parked'
  | 'retry-requested'
  | 'skip-requested'
  | 'published'
  | 'skipped';

/** A stored event the relay could not publish (an outbound dead letter), waiting for an operator. */
export interface ParkedEvent {
  readonly id: string;
  readonly relay: string;
  readonly globalPosition: number;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly eventId: string;
  readonly eventType: string;
  readonly reason: string;
  readonly status: ParkedStatus;
  readonly parkedAt: string;
  readonly resolvedAt?: string;
}

export type NewParkedEvent = Pick<
  ParkedEvent,
  'globalPosition' | 'streamId' | 'streamVersion' | 'eventId' | 'eventType' | 'reason'
>;

export interface ParkedEventStore {
  /** Records a parked event (parking it again, e.g. after a failed retry, updates its reason and status). */
  park(relay: string, event: NewParkedEvent): Promise<ParkedEvent>;
  /** Parked events not resolved yet (parked, or with an operator's request pending), in stream order. */
  open(relay: string): Promise<ParkedEvent[]>;
  /** The relay's verdict: published (after a retry) or skipped. */
  settle(id: string, status: 'published' | 'skipped'): Promise<void>;
  /** An operator's request (`pnpm oms relay retry|skip <id>`): undefined when there is no open parked event. */
  request(id: string, action: 'retry' | 'skip'): Promise<ParkedEvent | undefined>;
  /** Every parked event of a relay (resolved ones too with `all`), newest first. */
  list(relay: string, options?: { readonly all?: boolean }): Promise<ParkedEvent[]>;
}

interface Row {
  readonly id: string;
  readonly relay: string;
  readonly global_position: string;
  readonly stream_id: string;
  readonly stream_version: number;
  readonly event_id: string;
  readonly event_type: string;
  readonly reason: string;
  readonly status: ParkedStatus;
  readonly parked_at: Date;
  readonly resolved_at: Date | null;
}

const COLUMNS =
  'id, relay, global_position, stream_id, stream_version, event_id, event_type, reason, status, parked_at, resolved_at';
const OPEN = "('parked', 'retry-requested', 'skip-requested')";

const toParked = (row: Row): ParkedEvent => ({
  id: String(row.id),
  relay: row.relay,
  globalPosition: Number(row.global_position),
  streamId: row.stream_id,
  streamVersion: row.stream_version,
  eventId: row.event_id,
  eventType: row.event_type,
  reason: row.reason,
  status: row.status,
  parkedAt: row.parked_at.toISOString(),
  ...(row.resolved_at ? { resolvedAt: row.resolved_at.toISOString() } : {}),
});

/** Outbound dead letters in PostgreSQL (`oms_outbound_parked`). */
export const createPgParkedEventStore = (db: Queryable | pg.Pool): ParkedEventStore => ({
  async park(relay, event) {
    const result = await db.query<Row>(
      `INSERT INTO oms_outbound_parked
         (relay, global_position, stream_id, stream_version, event_id, event_type, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (relay, global_position)
         DO UPDATE SET reason = EXCLUDED.reason, status = 'parked', resolved_at = NULL
       RETURNING ${COLUMNS}`,
      [
        relay,
        event.globalPosition,
        event.streamId,
        event.streamVersion,
        event.eventId,
        event.eventType,
        event.reason,
      ],
    );
    const row = result.rows[0];
    if (!row) throw new Error('parking an event returned no row');
    return toParked(row);
  },
  async open(relay) {
    const result = await db.query<Row>(
      `SELECT ${COLUMNS} FROM oms_outbound_parked WHERE relay = $1 AND status IN ${OPEN}
        ORDER BY global_position`,
      [relay],
    );
    return result.rows.map(toParked);
  },
  async settle(id, status) {
    await db.query(
      'UPDATE oms_outbound_parked SET status = $2, resolved_at = now() WHERE id = $1',
      [id, status],
    );
  },
  async request(id, action) {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const result = await db.query<Row>(
      `UPDATE oms_outbound_parked SET status = $2 WHERE id = $1 AND status IN ${OPEN}
       RETURNING ${COLUMNS}`,
      [id, action === 'retry' ? 'retry-requested' : 'skip-requested'],
    );
    const row = result.rows[0];
    return row ? toParked(row) : undefined;
  },
  async list(relay, { all = false } = {}) {
    const result = await db.query<Row>(
      `SELECT ${COLUMNS} FROM oms_outbound_parked
        WHERE relay = $1 ${all ? '' : `AND status IN ${OPEN}`}
        ORDER BY id DESC LIMIT 1000`,
      [relay],
    );
    return result.rows.map(toParked);
  },
});
