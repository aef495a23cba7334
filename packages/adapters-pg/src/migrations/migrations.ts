import { LOCK_FIRST_POSITION_ONLY_SQL, POSITIONS_MIGRATION_SQL } from '../eventStore/positions.js';
import { COMPACT_ORDER_READ_MODEL_SQL } from '../projections/compactReadModelMigration.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Versioned schema changes, applied in order, each once. Never edit a released migration: add a new one.
 *
 * Global positions are `append number × 1024 + index in the append`, the append number drawn from a sequence under
 * advisory locks that a reader inspects (migration 5, see eventStore/positions.ts); before migration 5 they came from
 * the transaction id, which does not survive a logical restore.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'event store',
    sql: `
CREATE TABLE oms_events (
  global_position bigint PRIMARY KEY,
  transaction_id xid8 NOT NULL,
  stream_id text NOT NULL,
  stream_version integer NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  schema_version integer NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT oms_events_stream_version_key UNIQUE (stream_id, stream_version),
  CONSTRAINT oms_events_stream_version_positive CHECK (stream_version > 0)
);
-- Lets a single statement abort itself (and so its whole implicit transaction) with a chosen SQLSTATE.
CREATE FUNCTION oms_raise(state text, message text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
END
$$;`,
  },
  {
    version: 2,
    name: 'order read model',
    sql: `
CREATE TABLE oms_orders (
  id text PRIMARY KEY,
  status text NOT NULL,
  channel text NOT NULL,
  customer_email text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL,
  summary jsonb NOT NULL,
  document jsonb NOT NULL
);
CREATE INDEX oms_orders_created_idx ON oms_orders (created_at DESC, id DESC);
CREATE INDEX oms_orders_status_created_idx ON oms_orders (status, created_at DESC, id DESC);
CREATE INDEX oms_orders_channel_created_idx ON oms_orders (channel, created_at DESC, id DESC);
CREATE INDEX oms_orders_email_created_idx ON oms_orders (customer_email, created_at DESC, id DESC);`,
  },
  {
    version: 3,
    name: 'idempotency keys',
    sql: `
CREATE TABLE oms_idempotency_keys (
  key text PRIMARY KEY,
  fingerprint text NOT NULL,
  token text NOT NULL,
  lease_until timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
CREATE INDEX oms_idempotency_keys_expires_idx ON oms_idempotency_keys (expires_at);`,
  },
  {
    version: 4,
    name: 'checkpoints',
    sql: `
CREATE TABLE oms_checkpoints (
  name text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);`,
  },
  {
    version: 5,
    name: 'positions from a sequence, read below the lowest append in flight',
    sql: POSITIONS_MIGRATION_SQL,
  },
  {
    version: 6,
    name: 'an appending transaction locks its first position only',
    sql: LOCK_FIRST_POSITION_ONLY_SQL,
  },
  {
    version: 7,
    name: 'relay fencing and parked outbound events',
    sql: `
ALTER TABLE oms_checkpoints
  ADD COLUMN lease_epoch bigint NOT NULL DEFAULT 0,
  ADD COLUMN lease_released boolean NOT NULL DEFAULT true;
CREATE TABLE oms_outbound_parked (
  id bigserial PRIMARY KEY,
  relay text NOT NULL,
  global_position bigint NOT NULL,
  stream_id text NOT NULL,
  stream_version integer NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  reason text NOT NULL,
  status text NOT NULL DEFAULT 'parked'
    CHECK (status IN ('parked', 'retry-requested', 'skip-requested', 'published', 'skipped')),
  parked_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  CONSTRAINT oms_outbound_parked_event_key UNIQUE (relay, global_position)
);
CREATE INDEX oms_outbound_parked_open_idx ON oms_outbound_parked (relay)
  WHERE status IN ('parked', 'retry-requested', 'skip-requested');`,
  },
  {
    version: 8,
    name: 'shopify webhook deliveries',
    sql: `
CREATE TABLE oms_shopify_deliveries (
  id bigserial PRIMARY KEY,
  webhook_id text,
  event_id text,
  topic text NOT NULL,
  shopify_order_id text,
  outcome text NOT NULL CHECK (outcome IN ('processed', 'parked')),
  reason text,
  payload bytea,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX oms_shopify_deliveries_webhook_idx ON oms_shopify_deliveries (webhook_id)
  WHERE webhook_id IS NOT NULL;
CREATE INDEX oms_shopify_deliveries_event_idx ON oms_shopify_deliveries (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX oms_shopify_deliveries_parked_idx ON oms_shopify_deliveries (shopify_order_id)
  WHERE outcome = 'parked';`,
  },
  {
    version: 9,
    name: 'idempotency records keyed by source, holding the domain outcome',
    // Keys become (source, key); a record holds the outcome (order id + version, or the domain refusal) instead
    // of a rendered HTTP response, and is kept from its claim, so that its completion is a small HOT update. The
    // fingerprint is kept as its SHA-256 (32 bytes), the token as a uuid, and expiry (insertion-ordered) under a BRIN
    // index: a claim writes one small row and one b-tree entry.
    // Records of the previous layout (keys without a source, rendered responses) are dropped: they cannot be
    // attributed to a source (a client's "shopify-1" and the webhook's looked alike), so a retry within 24 hours
    // of the upgrade runs its request again.
    sql: `
DELETE FROM oms_idempotency_keys;
ALTER TABLE oms_idempotency_keys DROP CONSTRAINT oms_idempotency_keys_pkey;
ALTER TABLE oms_idempotency_keys DROP COLUMN response, DROP COLUMN completed_at;
ALTER TABLE oms_idempotency_keys ADD COLUMN source text NOT NULL, ADD COLUMN outcome jsonb;
ALTER TABLE oms_idempotency_keys ADD CONSTRAINT oms_idempotency_keys_pkey PRIMARY KEY (source, key);
ALTER TABLE oms_idempotency_keys ALTER COLUMN fingerprint TYPE bytea USING sha256(convert_to(fingerprint, 'UTF8')),
                                 ALTER COLUMN token TYPE uuid USING token::uuid;
DROP INDEX oms_idempotency_keys_expires_idx;
CREATE INDEX oms_idempotency_keys_expires_idx ON oms_idempotency_keys USING brin (expires_at);
ALTER TABLE oms_idempotency_keys SET (fillfactor = 90);`,
  },
  {
    version: 10,
    name: 'compact order read model: listing columns only, GET folds the stream',
    sql: COMPACT_ORDER_READ_MODEL_SQL,
  },
];
