import type { EventMetadata, RecordedEvent } from '@oms/domain';

export interface EventRow {
  readonly global_position: string;
  readonly stream_id: string;
  readonly stream_version: number;
  readonly event_id: string;
  readonly event_type: string;
  readonly schema_version: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly occurred_at: Date;
}

export const EVENT_COLUMNS =
  'global_position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at';

/** EVENT_COLUMNS of `oms_events e` with the wrapped data key of its personal data (KEY_JOIN). */
export const KEYED_EVENT_COLUMNS = `${EVENT_COLUMNS.split(', ')
  .map((column) => `e.${column}`)
  .join(', ')}, k.wrapped_key AS pii_wrapped_key, k.master_key_id AS pii_master_key_id`;

/** Joins an event `e` to its data key `k` (none for an event without personal data, or once erased). */
export const KEY_JOIN = `LEFT JOIN oms_data_keys k ON k.key_id = e.data->'$pii'->>'k'`;

export const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  eventId: row.event_id,
  type: row.event_type,
  schemaVersion: row.schema_version,
  data: row.data,
  metadata: row.metadata,
  occurredAt: row.occurred_at.toISOString(),
  streamId: row.stream_id,
  streamVersion: row.stream_version,
  globalPosition: Number(row.global_position),
});
