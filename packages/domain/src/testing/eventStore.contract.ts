import { describe, expect, it } from 'vitest';
import type { EventStore, NewEvent } from '../application/ports/eventStore.port.js';
import type { IdempotencyStore } from '../application/ports/idempotency.port.js';
import { uuidv7 } from '../shared/ids.js';

export interface EventStoreUnderTest {
  readonly eventStore: EventStore;
  readonly idempotency?: IdempotencyStore;
}

const newEvent = (
  type: string,
  data: Record<string, unknown> = {},
  occurredAt = new Date().toISOString(),
): NewEvent => ({
  eventId: uuidv7(),
  type,
  schemaVersion: 1,
  data: { ...data },
  metadata: { correlationId: uuidv7(), causationId: null, actor: 'contract-test' },
  occurredAt,
});

/**
 * The behaviour every EventStore must show. Run it from an adapter's own test file:
 * `eventStoreContract('postgres', async () => ({ eventStore }))`.
 */
export const eventStoreContract = (
  name: string,
  setup: () => Promise<EventStoreUnderTest>,
): void => {
  describe(`EventStore contract: ${name}`, () => {
    it('reads an unknown stream as empty at version 0', async () => {
      const { eventStore } = await setup();
      const read = await eventStore.readStream(uuidv7());
      expect(read._unsafeUnwrap()).toEqual({ events: [], version: 0 });
    });

    it('appends to a new stream and reads the events back in order with their versions', async () => {
      const { eventStore } = await setup();
      const streamId = uuidv7();
      const events = [
        newEvent('test.one', { n: 1 }),
        newEvent('test.two', { n: 2, text: 'ünïcode \u2028' }),
      ];
      const appended = await eventStore.appendToStream(streamId, events, { expectedVersion: 0 });
      expect(appended._unsafeUnwrap().nextVersion).toBe(2);
      const read = (await eventStore.readStream(streamId))._unsafeUnwrap();
      expect(read.version).toBe(2);
      expect(read.events.map((event) => [event.type, event.streamVersion, event.data])).toEqual([
        ['test.one', 1, { n: 1 }],
        ['test.two', 2, { n: 2, text: 'ünïcode \u2028' }],
      ]);
      expect(read.events.map((event) => event.eventId)).toEqual(
        events.map((event) => event.eventId),
      );
      expect(read.events[0]?.metadata).toMatchObject({ actor: 'contract-test', causationId: null });
      expect(read.events[0]?.streamId).toBe(streamId);
    });

    it('refuses an append at a stale expected version with concurrency-conflict and stores nothing', async () => {
      const { eventStore } = await setup();
      const streamId = uuidv7();
      await eventStore.appendToStream(streamId, [newEvent('test.one')], { expectedVersion: 0 });
      for (const expectedVersion of [0, 2]) {
        const result = await eventStore.appendToStream(streamId, [newEvent('test.late')], {
          expectedVersion,
        });
        expect(result._unsafeUnwrapErr().code).toBe('concurrency-conflict');
      }
      expect((await eventStore.readStream(streamId))._unsafeUnwrap().version).toBe(1);
    });

    it('lets exactly one of many concurrent appends at the same version win', async () => {
      const { eventStore } = await setup();
      const streamId = uuidv7();
      await eventStore.appendToStream(streamId, [newEvent('test.one')], { expectedVersion: 0 });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          eventStore.appendToStream(
            streamId,
            [newEvent('test.race', { index }), newEvent('test.race2')],
            {
              expectedVersion: 1,
            },
          ),
        ),
      );
      expect(results.filter((result) => result.isOk())).toHaveLength(1);
      for (const result of results.filter((result) => result.isErr()))
        expect(result._unsafeUnwrapErr().code).toBe('concurrency-conflict');
      const read = (await eventStore.readStream(streamId))._unsafeUnwrap();
      expect(read.events.map((event) => event.streamVersion)).toEqual([1, 2, 3]);
    });

    it('reads a stream up to a version and as of a time', async () => {
      const { eventStore } = await setup();
      const streamId = uuidv7();
      await eventStore.appendToStream(
        streamId,
        [
          newEvent('test.one', {}, '2026-01-01T10:00:00.000Z'),
          newEvent('test.two', {}, '2026-01-01T11:00:00.000Z'),
          newEvent('test.three', {}, '2026-01-01T12:00:00.000Z'),
        ],
        { expectedVersion: 0 },
      );
      const upTo = (await eventStore.readStream(streamId, { toVersion: 2 }))._unsafeUnwrap();
      expect(upTo.events.map((event) => event.type)).toEqual(['test.one', 'test.two']);
      const asOf = (
        await eventStore.readStream(streamId, { asOf: new Date('2026-01-01T11:30:00Z') })
      )._unsafeUnwrap();
      expect(asOf.events.map((event) => event.type)).toEqual(['test.one', 'test.two']);
      expect(asOf.version).toBe(2);
      const before = (
        await eventStore.readStream(streamId, { asOf: new Date('2025-12-31T00:00:00Z') })
      )._unsafeUnwrap();
      expect(before).toEqual({ events: [], version: 0 });
    });

    it('reads all events in global order after a position, in pages', async () => {
      const { eventStore } = await setup();
      const start =
        (await eventStore.readAll(0, 1_000_000))._unsafeUnwrap().at(-1)?.globalPosition ?? 0;
      const first = uuidv7();
      const second = uuidv7();
      await eventStore.appendToStream(first, [newEvent('test.a1'), newEvent('test.a2')], {
        expectedVersion: 0,
      });
      await eventStore.appendToStream(second, [newEvent('test.b1')], { expectedVersion: 0 });
      await eventStore.appendToStream(first, [newEvent('test.a3')], { expectedVersion: 2 });
      const page1 = (await eventStore.readAll(start, 2))._unsafeUnwrap();
      const page2 = (
        await eventStore.readAll(page1.at(-1)?.globalPosition ?? start, 10)
      )._unsafeUnwrap();
      const seen = [...page1, ...page2].filter(
        (event) => event.streamId === first || event.streamId === second,
      );
      expect(seen.map((event) => event.type)).toEqual(['test.a1', 'test.a2', 'test.b1', 'test.a3']);
      const positions = [...page1, ...page2].map((event) => event.globalPosition);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(new Set(positions).size).toBe(positions.length);
    });

    it('keeps streams apart', async () => {
      const { eventStore } = await setup();
      const [a, b] = [uuidv7(), uuidv7()];
      await eventStore.appendToStream(a, [newEvent('test.a')], { expectedVersion: 0 });
      await eventStore.appendToStream(b, [newEvent('test.b')], { expectedVersion: 0 });
      expect(
        (await eventStore.readStream(a))._unsafeUnwrap().events.map((event) => event.type),
      ).toEqual(['test.a']);
      expect(
        (await eventStore.readStream(b))._unsafeUnwrap().events.map((event) => event.type),
      ).toEqual(['test.b']);
    });

    it('stores an idempotency outcome with the events, or neither', async () => {
      const { eventStore, idempotency } = await setup();
      if (!idempotency) {
        expect(idempotency).toBeUndefined();
        return;
      }
      const key = { source: 'contract', key: `k-${uuidv7()}` };
      const claim = (await idempotency.claim({ ...key, fingerprint: 'f1' }))._unsafeUnwrap();
      expect(claim.kind).toBe('claimed');
      const token = claim.kind === 'claimed' ? claim.token : '';
      const streamId = uuidv7();
      const outcome = { kind: 'accepted', orderId: streamId, version: 1 } as const;
      const refused = await eventStore.appendToStream(streamId, [newEvent('test.one')], {
        expectedVersion: 0,
        idempotency: { key, token: `${token}-not-mine`, outcome },
      });
      expect(refused.isErr()).toBe(true);
      expect((await eventStore.readStream(streamId))._unsafeUnwrap().version).toBe(0);
      const appended = await eventStore.appendToStream(streamId, [newEvent('test.one')], {
        expectedVersion: 0,
        idempotency: { key, token, outcome },
      });
      expect(appended.isOk()).toBe(true);
      expect((await idempotency.claim({ ...key, fingerprint: 'f1' }))._unsafeUnwrap()).toEqual({
        kind: 'replay',
        outcome,
      });
      expect((await idempotency.claim({ ...key, fingerprint: 'f2' }))._unsafeUnwrap()).toEqual({
        kind: 'mismatch',
      });
    });

    it('completes a key without events only at the expected version', async () => {
      const { eventStore, idempotency } = await setup();
      if (!idempotency) {
        expect(idempotency).toBeUndefined();
        return;
      }
      const streamId = uuidv7();
      await eventStore.appendToStream(streamId, [newEvent('test.one')], { expectedVersion: 0 });
      const key = { source: 'contract', key: `k-${uuidv7()}` };
      const claim = (await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap();
      if (claim.kind !== 'claimed') throw new Error('expected a claim');
      const outcome = {
        kind: 'refused',
        error: { code: 'last-line', message: 'the last line stays', lineId: 'L1' },
      } as const;
      const stale = await eventStore.appendToStream(streamId, [], {
        expectedVersion: 0,
        idempotency: { key, token: claim.token, outcome },
      });
      expect(stale._unsafeUnwrapErr().code).toBe('concurrency-conflict');
      expect((await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap()).toEqual({
        kind: 'in-flight',
      });
      const done = await eventStore.appendToStream(streamId, [], {
        expectedVersion: 1,
        idempotency: { key, token: claim.token, outcome },
      });
      expect(done._unsafeUnwrap().nextVersion).toBe(1);
      expect((await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap()).toEqual({
        kind: 'replay',
        outcome,
      });
      expect((await eventStore.readStream(streamId))._unsafeUnwrap().version).toBe(1);
    });

    it('keeps the keys of each source apart', async () => {
      const { idempotency } = await setup();
      if (!idempotency) {
        expect(idempotency).toBeUndefined();
        return;
      }
      const key = `shopify-${uuidv7()}`;
      const client = (
        await idempotency.claim({ source: 'http:anonymous', key, fingerprint: 'client' })
      )._unsafeUnwrap();
      expect(client.kind).toBe('claimed');
      const webhook = (
        await idempotency.claim({ source: 'shopify', key, fingerprint: 'webhook' })
      )._unsafeUnwrap();
      expect(webhook.kind).toBe('claimed');
    });

    it('answers in-flight for a claimed key and lets a released key be claimed again', async () => {
      const { idempotency } = await setup();
      if (!idempotency) {
        expect(idempotency).toBeUndefined();
        return;
      }
      const key = { source: 'contract', key: `k-${uuidv7()}` };
      const first = (await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap();
      expect((await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap()).toEqual({
        kind: 'in-flight',
      });
      if (first.kind !== 'claimed') throw new Error('expected a claim');
      await idempotency.release(key, first.token);
      expect((await idempotency.claim({ ...key, fingerprint: 'f' }))._unsafeUnwrap().kind).toBe(
        'claimed',
      );
    });
  });
};
