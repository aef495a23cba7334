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
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { attempt, type Queryable } from '../pool.js';

/**
 * Takes a new key: a plain INSERT (no ON CONFLICT, whose speculative insertion writes one more WAL record per claim).
 * The record is kept for the retention from its claim, so that its completion (`completeIdempotencySql`) writes
 * only the outcome: no indexed column changes, a HOT update.
 */
const CLAIM_SQL = `
INSERT INTO oms_idempotency_keys (source, key, fingerprint, token, lease_until, expires_at)
VALUES ($1, $2, sha256(convert_to($3, 'UTF8')), $4::uuid, now() + make_interval(secs => $5::double precision / 1000),
        now() + make_interval(secs => ($5::double precision + $6::double precision) / 1000))`;

/** The key exists: take it over when it expired, or when its claim's lease ran out with the same fingerprint. */
const TAKE_OVER_SQL = `
UPDATE oms_idempotency_keys AS k
   SET fingerprint = sha256(convert_to($3, 'UTF8')), token = $4::uuid,
       lease_until = now() + make_interval(secs => $5::double precision / 1000),
       expires_at = now() + make_interval(secs => ($5::double precision + $6::double precision) / 1000),
       outcome = NULL, created_at = now()
 WHERE source = $1 AND key = $2
   AND (k.expires_at <= now()
        OR (k.outcome IS NULL AND k.lease_until <= now() AND k.fingerprint = sha256(convert_to($3, 'UTF8'))))`;

const EXISTING_SQL = `
SELECT fingerprint = sha256(convert_to($3, 'UTF8')) AS same, outcome, lease_until > now() AS leased,
       expires_at > now() AS live
  FROM oms_idempotency_keys WHERE source = $1 AND key = $2`;

const RELEASE_SQL = `
DELETE FROM oms_idempotency_keys WHERE source = $1 AND key = $2 AND token::text = $3 AND outcome IS NULL`;

const PURGE_SQL = `
WITH gone AS (
  DELETE FROM oms_idempotency_keys
   WHERE ctid IN (SELECT ctid FROM oms_idempotency_keys WHERE expires_at <= now() LIMIT $1)
  RETURNING 1)
SELECT count(*)::integer AS purged FROM gone`;

/**
 * The completion of a held record, for the append statement that stores the events (the only place a record is
 * completed): `$source`, `$key`, `$token` and `$outcome` are the statement's parameter references.
 */
export const completeIdempotencySql = (params: {
  readonly source: string;
  readonly key: string;
  readonly token: string;
  readonly outcome: string;
}): string => `
  UPDATE oms_idempotency_keys SET outcome = ${params.outcome}::jsonb
   WHERE source = ${params.source}::text AND key = ${params.key}::text AND token::text = ${params.token}::text
     AND outcome IS NULL`;

/** True when the record is still held by the token, without an outcome (same parameter references). */
export const heldIdempotencySql = (params: {
  readonly source: string;
  readonly key: string;
  readonly token: string;
}): string => `
  EXISTS (SELECT 1 FROM oms_idempotency_keys
           WHERE source = ${params.source}::text AND key = ${params.key}::text
             AND token::text = ${params.token}::text AND outcome IS NULL)`;

const isDuplicateKey = (error: InfrastructureError): boolean =>
  error.code === 'internal' &&
  (error.cause as { code?: unknown; constraint?: unknown } | undefined)?.code === '23505' &&
  (error.cause as { constraint?: unknown }).constraint === 'oms_idempotency_keys_pkey';

interface ExistingRow {
  /** The stored fingerprint is this request's. */
  readonly same: boolean;
  readonly outcome: IdempotencyOutcome | null;
  readonly leased: boolean;
  readonly live: boolean;
}

export const createPgIdempotencyStore = (db: Queryable): IdempotencyStore => {
  const existing = (
    request: IdempotencyRequest,
    attemptsLeft: number,
  ): ResultAsync<IdempotencyClaim, InfrastructureError> =>
    attempt(() =>
      db.query<ExistingRow>({
        name: 'oms_idem_existing_v2',
        text: EXISTING_SQL,
        values: [request.source, request.key, request.fingerprint],
      }),
    ).andThen((found): ResultAsync<IdempotencyClaim, InfrastructureError> => {
      const row = found.rows[0];
      // Released or expired between the statements: try again.
      if (!row?.live) {
        if (attemptsLeft > 0) return claim(request, attemptsLeft - 1);
        return okAsync({ kind: 'in-flight' });
      }
      if (!row.same) return okAsync({ kind: 'mismatch' });
      if (row.outcome) return okAsync({ kind: 'replay', outcome: row.outcome });
      if (!row.leased && attemptsLeft > 0) return claim(request, attemptsLeft - 1);
      return okAsync({ kind: 'in-flight' });
    });

  /** Insert the claim; on a duplicate, take it over if allowed, else say what the existing record is. */
  const claim = (
    request: IdempotencyRequest,
    attemptsLeft = 3,
  ): ResultAsync<IdempotencyClaim, InfrastructureError> => {
    const token = randomUUID();
    const leaseMs = request.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
    const retainMs = Math.max(request.retainMs ?? 0, DEFAULT_IDEMPOTENCY_RETENTION_MS);
    const values = [request.source, request.key, request.fingerprint, token, leaseMs, retainMs];
    const claimed: IdempotencyClaim = { kind: 'claimed', token };
    return attempt(() => db.query({ name: 'oms_idem_claim_v2', text: CLAIM_SQL, values }))
      .map((): IdempotencyClaim => claimed)
      .orElse((error): ResultAsync<IdempotencyClaim, InfrastructureError> => {
        if (!isDuplicateKey(error)) return errAsync(error);
        return attempt(() =>
          db.query({ name: 'oms_idem_take_over_v2', text: TAKE_OVER_SQL, values }),
        ).andThen((takenOver) =>
          takenOver.rowCount === 1 ? okAsync(claimed) : existing(request, attemptsLeft),
        );
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
