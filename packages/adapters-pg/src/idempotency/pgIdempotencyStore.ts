import { randomUUID } from 'node:crypto';
import {
  DEFAULT_IDEMPOTENCY_LEASE_MS,
  DEFAULT_IDEMPOTENCY_RETENTION_MS,
  type IdempotencyClaim,
  type IdempotencyRequest,
  type IdempotencyStore,
  type InfrastructureError,
  internalError,
  type StoredResponse,
} from '@oms/domain';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { attempt, type Queryable } from '../pool.js';

/**
 * Takes the key when it is new, expired, or claimed by a request whose lease ran out with the same fingerprint.
 * Returns the token only when this call took it.
 */
const CLAIM_SQL = `
INSERT INTO oms_idempotency_keys AS k (key, fingerprint, token, lease_until, expires_at)
VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000),
        now() + make_interval(secs => $5::double precision / 1000))
ON CONFLICT (key) DO UPDATE
   SET fingerprint = EXCLUDED.fingerprint, token = EXCLUDED.token, lease_until = EXCLUDED.lease_until,
       expires_at = EXCLUDED.expires_at, response = NULL, completed_at = NULL, created_at = now()
 WHERE k.expires_at <= now()
    OR (k.response IS NULL AND k.lease_until <= now() AND k.fingerprint = EXCLUDED.fingerprint)
RETURNING token`;

const EXISTING_SQL = `
SELECT fingerprint, response, lease_until > now() AS leased, expires_at > now() AS live
  FROM oms_idempotency_keys WHERE key = $1`;

const COMPLETE_SQL = `
UPDATE oms_idempotency_keys
   SET response = $3::jsonb, completed_at = now(), expires_at = greatest(expires_at, now() + interval '24 hours')
 WHERE key = $1 AND token = $2 AND response IS NULL`;

const RELEASE_SQL = `DELETE FROM oms_idempotency_keys WHERE key = $1 AND token = $2 AND response IS NULL`;

const PURGE_SQL = `
WITH gone AS (
  DELETE FROM oms_idempotency_keys
   WHERE key IN (SELECT key FROM oms_idempotency_keys WHERE expires_at <= now() LIMIT $1)
  RETURNING 1)
SELECT count(*)::integer AS purged FROM gone`;

interface ExistingRow {
  readonly fingerprint: string;
  readonly response: StoredResponse | null;
  readonly leased: boolean;
  readonly live: boolean;
}

const MIN_RETENTION_MS = DEFAULT_IDEMPOTENCY_RETENTION_MS;

export const createPgIdempotencyStore = (db: Queryable): IdempotencyStore => {
  const claim = (
    request: IdempotencyRequest,
    attemptsLeft = 3,
  ): ResultAsync<IdempotencyClaim, InfrastructureError> => {
    const token = randomUUID();
    const leaseMs = request.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
    const retainMs = Math.max(request.retainMs ?? MIN_RETENTION_MS, MIN_RETENTION_MS);
    return attempt(() =>
      db.query<{ token: string }>({
        name: 'oms_idem_claim_v1',
        text: CLAIM_SQL,
        values: [request.key, request.fingerprint, token, leaseMs, retainMs],
      }),
    ).andThen((inserted): ResultAsync<IdempotencyClaim, InfrastructureError> => {
      if (inserted.rows[0]?.token === token) return okAsync({ kind: 'claimed', token });
      return attempt(() =>
        db.query<ExistingRow>({
          name: 'oms_idem_existing_v1',
          text: EXISTING_SQL,
          values: [request.key],
        }),
      ).andThen((existing): ResultAsync<IdempotencyClaim, InfrastructureError> => {
        const row = existing.rows[0];
        // Released or expired between the two statements: try again.
        if (!row?.live) {
          if (attemptsLeft > 0) return claim(request, attemptsLeft - 1);
          return okAsync({ kind: 'in-flight' });
        }
        if (row.fingerprint !== request.fingerprint) return okAsync({ kind: 'mismatch' });
        if (row.response) return okAsync({ kind: 'replay', response: row.response });
        if (!row.leased && attemptsLeft > 0) return claim(request, attemptsLeft - 1);
        return okAsync({ kind: 'in-flight' });
      });
    });
  };

  return {
    claim: (request) => claim(request),
    complete(
      key: string,
      token: string,
      response: StoredResponse,
    ): ResultAsync<void, InfrastructureError> {
      return attempt(() =>
        db.query({
          name: 'oms_idem_complete_v1',
          text: COMPLETE_SQL,
          values: [key, token, JSON.stringify(response)],
        }),
      ).andThen(
        (result): ResultAsync<void, InfrastructureError> =>
          result.rowCount === 1
            ? okAsync(undefined)
            : errAsync(internalError(`idempotency key ${key} is no longer held by this request`)),
      );
    },
    release(key: string, token: string): ResultAsync<void, InfrastructureError> {
      return attempt(() => db.query(RELEASE_SQL, [key, token])).map(() => undefined);
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
