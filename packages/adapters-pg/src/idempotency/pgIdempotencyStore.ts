import { randomUUID } from 'node:crypto';
import {
  DEFAULT_IDEMPOTENCY_LEASE_MS,
  DEFAULT_IDEMPOTENCY_RETENTION_MS,
  type IdempotencyClaim,
  type IdempotencyKey,
  type IdempotencyOutcome,
  type IdempotencyRequest,
  type IdempotencyStore,
  type InfrastructureError,
} from '@oms/domain';
import { okAsync, type ResultAsync } from 'neverthrow';
import { attempt, type Queryable } from '../pool.js';

/**
 * A claim lives in the UNLOGGED table `oms_idempotency_claims` (migration 12): taking a key writes no WAL beyond a
 * commit record, and the in-flight answer stays immediate (a committed claim row, no lock held while the request
 * runs). The record in `oms_idempotency_keys` is inserted once, with its outcome, by the statement that stores the
 * events (`completeIdempotencyCtes`), which deletes the claim; its primary key makes a second completion of the same
 * key fail, so that a claim lost in a crash (unlogged tables are emptied) never lets a request run twice.
 *
 * One statement: the completed record if it is live (replay or mismatch); else the expired record is deleted (rare)
 * and the claim inserted, or taken over when its lease ran out with the same fingerprint (or it expired).
 */
const CLAIM_SQL = `
WITH done AS (
  SELECT fingerprint = sha256(convert_to($3, 'UTF8')) AS same, outcome
    FROM oms_idempotency_keys WHERE source = $1 AND key = $2 AND expires_at > now()
),
expired AS (
  DELETE FROM oms_idempotency_keys WHERE source = $1 AND key = $2 AND expires_at <= now()
  RETURNING 1
),
claimed AS (
  INSERT INTO oms_idempotency_claims AS c (source, key, fingerprint, token, lease_until, expires_at)
  SELECT $1, $2, sha256(convert_to($3, 'UTF8')), $4::uuid,
         now() + make_interval(secs => $5::double precision / 1000),
         now() + make_interval(secs => ($5::double precision + $6::double precision) / 1000)
   WHERE NOT EXISTS (SELECT 1 FROM done)
  ON CONFLICT (source, key) DO UPDATE
     SET fingerprint = EXCLUDED.fingerprint, token = EXCLUDED.token, lease_until = EXCLUDED.lease_until,
         expires_at = EXCLUDED.expires_at
   WHERE c.expires_at <= now() OR (c.lease_until <= now() AND c.fingerprint = EXCLUDED.fingerprint)
  RETURNING 1
)
SELECT (SELECT same FROM done) AS done_same, (SELECT outcome FROM done) AS outcome,
       (SELECT count(*) FROM claimed)::integer AS claimed,
       (SELECT fingerprint = sha256(convert_to($3, 'UTF8')) FROM oms_idempotency_claims
         WHERE source = $1 AND key = $2) AS held_same`;

const RELEASE_SQL = `
DELETE FROM oms_idempotency_claims WHERE source = $1 AND key = $2 AND token::text = $3`;

const PURGE_SQL = `
WITH gone AS (
  DELETE FROM oms_idempotency_keys
   WHERE ctid IN (SELECT ctid FROM oms_idempotency_keys WHERE expires_at <= now() LIMIT $1)
  RETURNING 1),
stale AS (
  DELETE FROM oms_idempotency_claims
   WHERE ctid IN (SELECT ctid FROM oms_idempotency_claims WHERE expires_at <= now() LIMIT $1)
  RETURNING 1)
SELECT ((SELECT count(*) FROM gone) + (SELECT count(*) FROM stale))::integer AS purged`;

interface IdempotencyParams {
  readonly source: string;
  readonly key: string;
  readonly token: string;
  readonly outcome: string;
}

/**
 * Two CTEs (`idem`, `unclaim`) for the statement that stores an outcome, `when` its condition (e.g. the events went
 * in): the record is inserted with the outcome from the claim still held by the token, and the claim deleted. The
 * statement must fail when `unclaim` deleted nothing (the claim was taken over meanwhile). `$source`, `$key`,
 * `$token` and `$outcome` are the statement's parameter references.
 */
export const completeIdempotencyCtes = (params: IdempotencyParams, when: string): string => `
idem AS (
  INSERT INTO oms_idempotency_keys (source, key, fingerprint, token, lease_until, expires_at, outcome)
  SELECT c.source, c.key, c.fingerprint, c.token, c.lease_until, c.expires_at, ${params.outcome}::jsonb
    FROM oms_idempotency_claims c
   WHERE c.source = ${params.source}::text AND c.key = ${params.key}::text
     AND c.token::text = ${params.token}::text AND ${when}
  RETURNING 1
),
unclaim AS (
  DELETE FROM oms_idempotency_claims c
   WHERE c.source = ${params.source}::text AND c.key = ${params.key}::text
     AND c.token::text = ${params.token}::text AND EXISTS (SELECT 1 FROM idem)
  RETURNING 1
)`;

/** True when the claim is still held by the token (same parameter references). */
export const heldIdempotencySql = (params: Omit<IdempotencyParams, 'outcome'>): string => `
  EXISTS (SELECT 1 FROM oms_idempotency_claims
           WHERE source = ${params.source}::text AND key = ${params.key}::text
             AND token::text = ${params.token}::text)`;

/** A completion that met a record of the same key (a claim lost in a crash let a second request through). */
export const isCompletedTwice = (cause: unknown): boolean =>
  (cause as { code?: unknown; constraint?: unknown } | undefined)?.code === '23505' &&
  (cause as { constraint?: unknown }).constraint === 'oms_idempotency_keys_pkey';

interface ClaimRow {
  /** A live completed record exists: whether its fingerprint is this request's. */
  readonly done_same: boolean | null;
  readonly outcome: IdempotencyOutcome | null;
  readonly claimed: number;
  /** A claim exists (held by another request): whether its fingerprint is this request's. */
  readonly held_same: boolean | null;
}

export const createPgIdempotencyStore = (db: Queryable): IdempotencyStore => {
  const claim = (
    request: IdempotencyRequest,
    attemptsLeft = 3,
  ): ResultAsync<IdempotencyClaim, InfrastructureError> => {
    const token = randomUUID();
    const leaseMs = request.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
    const retainMs = Math.max(request.retainMs ?? 0, DEFAULT_IDEMPOTENCY_RETENTION_MS);
    const values = [request.source, request.key, request.fingerprint, token, leaseMs, retainMs];
    return attempt(() =>
      db.query<ClaimRow>({ name: 'oms_idem_claim_v3', text: CLAIM_SQL, values }),
    ).andThen((result): ResultAsync<IdempotencyClaim, InfrastructureError> => {
      const row = result.rows[0];
      if (row?.done_same === true && row.outcome)
        return okAsync({ kind: 'replay', outcome: row.outcome });
      if (row?.done_same === false) return okAsync({ kind: 'mismatch' });
      if (row?.claimed === 1) return okAsync({ kind: 'claimed', token });
      if (row?.held_same === false) return okAsync({ kind: 'mismatch' });
      // Held by another request, or completed or released between the statement's reads: look again.
      if (row?.held_same === null && attemptsLeft > 0) return claim(request, attemptsLeft - 1);
      return okAsync({ kind: 'in-flight' });
    });
  };

  return {
    claim: (request) => claim(request),
    release(key: IdempotencyKey, token: string): ResultAsync<void, InfrastructureError> {
      return attempt(() => db.query(RELEASE_SQL, [key.source, key.key, token])).map(
        () => undefined,
      );
    },
  };
};

/** Deletes up to `batch` expired idempotency records; returns how many went. Run it periodically. */
export const purgeExpiredIdempotencyKeys = (
  db: Queryable,
  batch = 10_000,
): ResultAsync<number, InfrastructureError> =>
  attempt(() => db.query<{ purged: number }>(PURGE_SQL, [batch])).map(
    (result) => result.rows[0]?.purged ?? 0,
  );
