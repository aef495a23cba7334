import type { EventStore } from '@oms/domain';
import { appendWithoutEvents } from '../idempotency/completeWithoutEvents.js';
import type { PersonalDataCipher } from '../personalData/personalDataCipher.js';
import type { Queryable } from '../pool.js';
import { appendToStream } from './appendToStream.js';
import { readAll } from './readAll.js';
import { readStream } from './readStream.js';

/**
 * The PostgreSQL event store. With a cipher, the personal values of the events are encrypted on write and
 * decrypted on read (spec §7); without one, events are stored as given and encrypted ones read as erased.
 */
export const createPgEventStore = (db: Queryable, cipher?: PersonalDataCipher): EventStore => ({
  readStream: (streamId, options) => readStream(db, streamId, options, cipher),
  appendToStream: (streamId, events, options) =>
    appendToStream(
      db,
      streamId,
      events,
      options,
      (id, withoutEvents) => appendWithoutEvents(db, id, withoutEvents),
      cipher,
    ),
  readAll: (afterPosition, limit) => readAll(db, afterPosition, limit, cipher),
});
