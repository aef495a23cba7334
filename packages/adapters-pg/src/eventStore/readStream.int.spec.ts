import { uuidv7 } from '@oms/domain';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { testEvent } from '../testing/fixtures.js';
import { createPgEventStore } from './pgEventStore.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
});
afterAll(async () => {
  await db?.drop();
});

describe('readStream asOf', () => {
  it('returns a prefix of the stream when writers clocks differ, never events 1 and 3 without 2', async () => {
    const eventStore = createPgEventStore(db.pool);
    const streamId = uuidv7();
    // Three writers: the second one's clock runs an hour ahead.
    for (const [version, occurredAt] of [
      [0, '2026-03-01T10:00:00.000Z'],
      [1, '2026-03-01T12:00:00.000Z'],
      [2, '2026-03-01T11:00:00.000Z'],
      [3, '2026-03-01T13:00:00.000Z'],
    ] as const)
      expect(
        (
          await eventStore.appendToStream(
            streamId,
            [testEvent(`test.${version + 1}`, {}, occurredAt)],
            {
              expectedVersion: version,
            },
          )
        ).isOk(),
      ).toBe(true);
    const asOf = async (at: string) =>
      (await eventStore.readStream(streamId, { asOf: new Date(at) }))._unsafeUnwrap();

    const atHalfPastEleven = await asOf('2026-03-01T11:30:00Z');
    expect(atHalfPastEleven.events.map((event) => event.streamVersion)).toEqual([1, 2, 3]);
    expect(atHalfPastEleven.version).toBe(3);
    expect((await asOf('2026-03-01T10:30:00Z')).events.map((e) => e.streamVersion)).toEqual([1]);
    expect(await asOf('2026-03-01T09:00:00Z')).toEqual({ events: [], version: 0 });
    expect((await asOf('2026-03-01T13:00:00Z')).version).toBe(4);
    const upTo = (
      await eventStore.readStream(streamId, {
        asOf: new Date('2026-03-01T12:30:00Z'),
        toVersion: 2,
      })
    )._unsafeUnwrap();
    expect(upTo.events.map((event) => event.streamVersion)).toEqual([1, 2]);
  });
});
