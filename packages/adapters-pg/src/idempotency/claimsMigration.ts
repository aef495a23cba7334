/**
 * Migration 12: a request's claim of an
 * idempotency key lives in an UNLOGGED table, so that claiming writes no WAL but a commit record, and the record in
 * `oms_idempotency_keys` is inserted once, with its outcome, in the statement that stores the events (instead of a
 * logged claim, then an update). Unlogged rows are lost in a crash or a failover: a claim in flight then is gone (the
 * request's append is refused as taken over, its retry runs), while completed records, logged, stay; the records'
 * primary key keeps a key from being completed twice. Claims in flight at the upgrade move over.
 */
export const IDEMPOTENCY_CLAIMS_MIGRATION_SQL = `
CREATE UNLOGGED TABLE oms_idempotency_claims (
  source text NOT NULL,
  key text NOT NULL,
  fingerprint bytea NOT NULL,
  token uuid NOT NULL,
  lease_until timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  CONSTRAINT oms_idempotency_claims_pkey PRIMARY KEY (source, key)
);
INSERT INTO oms_idempotency_claims (source, key, fingerprint, token, lease_until, expires_at)
SELECT source, key, fingerprint, token, lease_until, expires_at FROM oms_idempotency_keys WHERE outcome IS NULL;
DELETE FROM oms_idempotency_keys WHERE outcome IS NULL;
ALTER TABLE oms_idempotency_keys ALTER COLUMN outcome SET NOT NULL;`;
