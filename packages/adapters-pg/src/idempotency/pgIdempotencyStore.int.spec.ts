import {
  createExecuteOrderRequest,
  type IdempotencyOutcome,
  type OrderRequest,
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

const executeOn = (pool: pg.Pool) => {
  const store = createPgOrderStore({ pool });
  const execute = createExecuteOrderRequest({
    eventStore: store.eventStore,
    idempotency: store.idempotency,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  const run = (request: OrderRequest, key: string, source = 'pg-test') =>
    execute({ request, actor: 'pg-test', idempotency: { source, key } });
  return { store, run };
};

const record = async (source: string, key: string) =>
  (
    await db.pool.query<{ outcome: IdempotencyOutcome | null; bytes: number }>(
      `SELECT outcome, pg_column_size(k.*) AS bytes FROM oms_idempotency_keys k
        WHERE source = $1 AND key = $2`,
      [source, key],
    )
  ).rows[0];

describe('PostgreSQL idempotency store', () => {
  it('runs 20 concurrent identical requests once: one set of events, the others in-flight or replayed', async () => {
    const { run } = executeOn(wide);
    const key = `create-${uuidv7()}`;
    const request = createOrderRequest({ externalId: key });
    const answers = await Promise.all(Array.from({ length: 20 }, () => run(request, key)));
    const created = answers.filter((answer) => answer.isOk() && !answer.value.replayed);
    expect(created).toHaveLength(1);
    for (const answer of answers) {
      if (answer.isOk()) continue;
      expect(answer.error.code).toBe('idempotency-key-in-flight');
    }
    const first = created[0]?._unsafeUnwrap();
    if (first?.kind !== 'accepted') throw new Error('expected an accepted create');
    const events = await wide.query(
      "SELECT stream_id FROM oms_events WHERE metadata->>'idempotencyKey' = $1",
      [key],
    );
    expect(events.rows).toEqual([{ stream_id: first.orderId }]);
    const again = (await run(request, key))._unsafeUnwrap();
    expect(again).toEqual({ ...first, replayed: true });
    const kept = await wide.query(
      "SELECT expires_at - now() > interval '23 hours 59 minutes' AS kept FROM oms_idempotency_keys WHERE key = $1",
      [key],
    );
    expect(kept.rows[0]?.kept).toBe(true);
  });

  it('records the outcome (order id and version), not a response, in a compact row', async () => {
    const { run } = executeOn(db.pool);
    const key = `k-${uuidv7()}`;
    const created = (await run(createOrderRequest(), key))._unsafeUnwrap();
    if (created.kind !== 'accepted') throw new Error('expected an accepted create');
    const row = await record('pg-test', key);
    expect(row?.outcome).toEqual({ kind: 'accepted', orderId: created.orderId, version: 1 });
    expect(row?.bytes).toBeLessThan(400);
  });

  it('replays the view at the recorded version after the order changed', async () => {
    const { run } = executeOn(db.pool);
    const created = (await run(createOrderRequest(), `k-${uuidv7()}`))._unsafeUnwrap();
    if (created.kind !== 'accepted') throw new Error('expected an accepted create');
    const confirmKey = `confirm-${uuidv7()}`;
    const confirm: OrderRequest = { type: 'ConfirmOrder', orderId: created.orderId };
    const first = (await run(confirm, confirmKey))._unsafeUnwrap();
    await run({ type: 'CancelOrder', orderId: created.orderId, input: { reason: 'late' } }, 'x');
    const replayed = (await run(confirm, confirmKey))._unsafeUnwrap();
    expect(replayed).toEqual({ ...first, replayed: true });
    expect(replayed).toMatchObject({ view: { status: 'CONFIRMED', version: 2 } });
  });

  it('records a final refusal in an append without events, and replays it', async () => {
    const { run } = executeOn(db.pool);
    const created = (await run(createOrderRequest(), `k-${uuidv7()}`))._unsafeUnwrap();
    if (created.kind !== 'accepted') throw new Error('expected an accepted create');
    const lineId = created.view.lines[0]?.lineId ?? '';
    const key = `remove-${uuidv7()}`;
    const remove: OrderRequest = { type: 'RemoveLine', orderId: created.orderId, lineId };
    const refused = (await run(remove, key))._unsafeUnwrap();
    expect(refused).toMatchObject({ kind: 'refused', error: { code: 'last-line' } });
    expect((await record('pg-test', key))?.outcome).toEqual({
      kind: 'refused',
      error: refused.kind === 'refused' ? refused.error : null,
    });
    expect((await run(remove, key))._unsafeUnwrap()).toEqual({ ...refused, replayed: true });
  });

  it('keeps one source from claiming another source key', async () => {
    const { run } = executeOn(db.pool);
    const key = `shopify-${uuidv7()}`;
    const client = await run(createOrderRequest(), key, 'http:anonymous');
    const webhook = await run(createOrderRequest({ externalId: key }), key, 'shopify');
    expect(client._unsafeUnwrap()).toMatchObject({ kind: 'accepted', replayed: false });
    expect(webhook._unsafeUnwrap()).toMatchObject({ kind: 'accepted', replayed: false });
  });

  it('answers mismatch for another fingerprint, even while in flight', async () => {
    const idempotency = createPgIdempotencyStore(db.pool);
    const key = { source: 'pg-test', key: `k-${uuidv7()}` };
    expect((await idempotency.claim({ ...key, fingerprint: 'a' }))._unsafeUnwrap().kind).toBe(
      'claimed',
    );
    expect((await idempotency.claim({ ...key, fingerprint: 'b' }))._unsafeUnwrap()).toEqual({
      kind: 'mismatch',
    });
  });

  it('lets a request take over a claim whose lease ran out, and refuses the old token afterwards', async () => {
    const { eventStore, idempotency } = createPgOrderStore({ pool: db.pool });
    const key = { source: 'pg-test', key: `k-${uuidv7()}` };
    const first = (
      await idempotency.claim({ ...key, fingerprint: 'f', leaseMs: 1 })
    )._unsafeUnwrap();
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = (await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap();
    if (second.kind !== 'claimed') throw new Error('expected a take-over');
    expect(second.token).not.toBe(first.token);
    const streamId = uuidv7();
    const outcome = (version: number): IdempotencyOutcome => ({
      kind: 'accepted',
      orderId: streamId,
      version,
    });
    const late = await eventStore.appendToStream(streamId, [], {
      expectedVersion: 0,
      idempotency: { key, token: first.token, outcome: outcome(1) },
    });
    expect(late._unsafeUnwrapErr().code).toBe('idempotency-key-in-flight');
    await eventStore.appendToStream(streamId, [], {
      expectedVersion: 0,
      idempotency: { key, token: second.token, outcome: outcome(2) },
    });
    expect((await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap()).toEqual({
      kind: 'replay',
      outcome: outcome(2),
    });
  });

  it('keeps records at least 24 hours and purges expired ones', async () => {
    const idempotency = createPgIdempotencyStore(db.pool);
    const key = { source: 'pg-test', key: `k-${uuidv7()}` };
    const claim = (
      await idempotency.claim({ ...key, fingerprint: 'f', retainMs: 1_000 })
    )._unsafeUnwrap();
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    const kept = await db.pool.query(
      "SELECT expires_at > now() + interval '23 hours' AS kept FROM oms_idempotency_claims WHERE key = $1",
      [key.key],
    );
    expect(kept.rows[0]?.kept).toBe(true);
    await db.pool.query(
      "UPDATE oms_idempotency_claims SET expires_at = now() - interval '1 second' WHERE key = $1",
      [key.key],
    );
    expect((await purgeExpiredIdempotencyKeys(db.pool))._unsafeUnwrap()).toBeGreaterThanOrEqual(1);
    expect((await idempotency.claim({ ...key, fingerprint: 'other' }))._unsafeUnwrap().kind).toBe(
      'claimed',
    );
  });

  it('keeps a claim in an unlogged table and inserts the record once, with its outcome, with the events', async () => {
    const { eventStore, idempotency } = createPgOrderStore({ pool: db.pool });
    const persistence = await db.pool.query(
      "SELECT relpersistence FROM pg_class WHERE relname = 'oms_idempotency_claims'",
    );
    expect(persistence.rows).toEqual([{ relpersistence: 'u' }]);
    const key = { source: 'pg-test', key: `k-${uuidv7()}` };
    const claim = (await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap();
    if (claim.kind !== 'claimed') throw new Error('expected a claim');
    expect(await record(key.source, key.key)).toBeUndefined();
    const streamId = uuidv7();
    const outcome: IdempotencyOutcome = { kind: 'accepted', orderId: streamId, version: 1 };
    const event = {
      eventId: uuidv7(),
      type: 'test.one',
      schemaVersion: 1,
      data: {},
      metadata: { correlationId: 'c', causationId: null, actor: 'pg-test' },
      occurredAt: new Date().toISOString(),
    };
    await eventStore.appendToStream(streamId, [event], {
      expectedVersion: 0,
      idempotency: { key, token: claim.token, outcome },
    });
    expect((await record(key.source, key.key))?.outcome).toEqual(outcome);
    const claims = await db.pool.query('SELECT 1 FROM oms_idempotency_claims WHERE key = $1', [
      key.key,
    ]);
    expect(claims.rows).toEqual([]);
  });

  it('never completes a key twice: a claim lost in a crash lets the retry in, whose append is then refused', async () => {
    const { eventStore, idempotency } = createPgOrderStore({ pool: db.pool });
    const key = { source: 'pg-test', key: `k-${uuidv7()}` };
    const first = (await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap();
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    // The unlogged claim is gone (a crash empties unlogged tables): a retry claims the key anew.
    await db.pool.query('DELETE FROM oms_idempotency_claims WHERE key = $1', [key.key]);
    const second = (await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap();
    if (second.kind !== 'claimed') throw new Error('expected a claim');
    const append = (token: string) => {
      const streamId = uuidv7();
      return eventStore
        .appendToStream(
          streamId,
          [
            {
              eventId: uuidv7(),
              type: 'test.twice',
              schemaVersion: 1,
              data: {},
              metadata: { correlationId: 'c', causationId: null, actor: 'pg-test' },
              occurredAt: new Date().toISOString(),
            },
          ],
          {
            expectedVersion: 0,
            idempotency: {
              key,
              token,
              outcome: { kind: 'accepted', orderId: streamId, version: 1 },
            },
          },
        )
        .map(() => streamId);
    };
    expect((await append(first.token))._unsafeUnwrapErr().code).toBe('idempotency-key-in-flight');
    const stored = (await append(second.token))._unsafeUnwrap();
    // Another claim of the same key appears (as if lost and retaken while the record existed): its completion fails.
    await db.pool.query(
      `INSERT INTO oms_idempotency_claims (source, key, fingerprint, token, lease_until, expires_at)
       VALUES ($1, $2, sha256('f'), $3::uuid, now() + interval '30 seconds', now() + interval '1 day')`,
      [key.source, key.key, first.token],
    );
    const twice = await append(first.token);
    expect(twice._unsafeUnwrapErr().code).toBe('idempotency-key-in-flight');
    const events = await db.pool.query(
      "SELECT stream_id FROM oms_events WHERE event_type = 'test.twice'",
    );
    expect(events.rows).toEqual([{ stream_id: stored }]);
    expect((await record(key.source, key.key))?.outcome).toMatchObject({ orderId: stored });
  });
});
