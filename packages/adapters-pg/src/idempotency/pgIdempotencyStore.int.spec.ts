import {
  type ApplicationError,
  createOrderCommandHandler,
  runIdempotent,
  systemClock,
  uuidV7Generator,
  uuidv7,
} from '@oms/domain';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgOrderStore } from '../createPgOrderStore.js';
import { createPool } from '../pool.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { createOrderRequest } from '../testing/fixtures.js';
import { createPgIdempotencyStore, purgeExpiredIdempotencyKeys } from './pgIdempotencyStore.js';

let db: TestDatabase;
let wide: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
  wide = createPool(db.url, { max: 20 });
});
afterAll(async () => {
  await wide?.end();
  await db?.drop();
});

describe('PostgreSQL idempotency store', () => {
  it('runs 20 concurrent identical requests once: one set of events, the others in-flight or replayed', async () => {
    const store = createPgOrderStore({ pool: wide });
    const handle = createOrderCommandHandler({
      eventStore: store.eventStore,
      idempotency: store.idempotency,
      clock: systemClock,
      ids: uuidV7Generator,
    });
    const key = `create-${uuidv7()}`;
    const request = createOrderRequest({ externalId: key });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        runIdempotent(
          { idempotency: store.idempotency, handle },
          {
            idempotency: { key, fingerprint: 'same-request' },
            request,
            context: { actor: 'pg-test' },
            respond: (outcome) => ({ status: 201, body: { id: outcome.view.id } }),
            respondError: (error: ApplicationError) => ({
              status: 409,
              body: { code: error.code },
            }),
          },
        ),
      ),
    );
    const created = answers.filter((answer) => answer.isOk() && !answer.value.replayed);
    expect(created).toHaveLength(1);
    for (const answer of answers) {
      if (answer.isOk()) continue;
      expect(answer.error.code).toBe('idempotency-key-in-flight');
    }
    const orderId = (created[0]?._unsafeUnwrap().response.body as { id: string } | undefined)?.id;
    const events = await wide.query(
      "SELECT stream_id FROM oms_events WHERE metadata->>'idempotencyKey' = $1",
      [key],
    );
    expect(events.rows).toEqual([{ stream_id: orderId }]);
    const again = await store.idempotency.claim({ key, fingerprint: 'same-request' });
    expect(again._unsafeUnwrap()).toEqual({
      kind: 'replay',
      response: { status: 201, body: { id: orderId } },
    });
    const record = await wide.query(
      "SELECT expires_at - now() > interval '23 hours 59 minutes' AS kept FROM oms_idempotency_keys WHERE key = $1",
      [key],
    );
    expect(record.rows[0]?.kept).toBe(true);
  });

  it('answers mismatch for another fingerprint, even while in flight', async () => {
    const idempotency = createPgIdempotencyStore(db.pool);
    const key = `k-${uuidv7()}`;
    expect((await idempotency.claim({ key, fingerprint: 'a' }))._unsafeUnwrap().kind).toBe(
      'claimed',
    );
    expect((await idempotency.claim({ key, fingerprint: 'b' }))._unsafeUnwrap()).toEqual({
      kind: 'mismatch',
    });
  });

  it('lets a request take over a claim whose lease ran out, and refuses the old token afterwards', async () => {
    const idempotency = createPgIdempotencyStore(db.pool);
    const key = `k-${uuidv7()}`;
    const first = (await idempotency.claim({ key, fingerprint: 'f', leaseMs: 1 }))._unsafeUnwrap();
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = (await idempotency.claim({ key, fingerprint: 'f' }))._unsafeUnwrap();
    if (second.kind !== 'claimed') throw new Error('expected a take-over');
    expect(second.token).not.toBe(first.token);
    const late = await idempotency.complete(key, first.token, { status: 200, body: 'late' });
    expect(late._unsafeUnwrapErr().code).toBe('internal');
    await idempotency.complete(key, second.token, { status: 200, body: 'second' });
    expect((await idempotency.claim({ key, fingerprint: 'f' }))._unsafeUnwrap()).toEqual({
      kind: 'replay',
      response: { status: 200, body: 'second' },
    });
  });

  it('keeps records at least 24 hours and purges expired ones', async () => {
    const idempotency = createPgIdempotencyStore(db.pool);
    const key = `k-${uuidv7()}`;
    const claim = (
      await idempotency.claim({ key, fingerprint: 'f', retainMs: 1_000 })
    )._unsafeUnwrap();
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    await idempotency.complete(key, claim.token, { status: 200, body: null });
    const kept = await db.pool.query(
      "SELECT expires_at > now() + interval '23 hours' AS kept FROM oms_idempotency_keys WHERE key = $1",
      [key],
    );
    expect(kept.rows[0]?.kept).toBe(true);
    await db.pool.query(
      "UPDATE oms_idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1",
      [key],
    );
    expect((await purgeExpiredIdempotencyKeys(db.pool))._unsafeUnwrap()).toBeGreaterThanOrEqual(1);
    expect((await idempotency.claim({ key, fingerprint: 'other' }))._unsafeUnwrap().kind).toBe(
      'claimed',
    );
  });
});
