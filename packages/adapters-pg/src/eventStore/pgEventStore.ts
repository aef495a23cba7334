import type { EventStore } from '@oms/domain';
import { appendWithoutEvents } from '../idempotency/completeWithoutEvents.js';
import type { PersonalDataCipher } from '../personalData/personalDataCipher.js';
import type { Queryable } from '../pool.js';
import { type AppendBatching, createAppendBatcher } from './appendBatch.js';
import { appendToStream } from './appendToStream.js';
import { readAll } from './readAll.js';
import { readStream } from './readStream.js';

/**
 * The PostgreSQL event store. With a cipher, the personal values of the events are encrypted on write and
 * decrypted on read (spec §7); without one, events are stored as given and encrypted ones read as erased.
 * With `batching` (on a pool, never on a client inside a transaction), concurrent appends of this process share
 * statements and commits (appendBatch.ts).
 */
export const createPgEventStore = (
  db: Queryable,
  cipher?: PersonalDataCipher,
  batching?: AppendBatching,
): EventStore => {
  const batcher = batching ? createAppendBatcher(db, batching) : undefined;
  return {
    readStream: (streamId, options) => readStream(db, streamId, options, cipher),
    appendToStream: (streamId, events, options) =>
      appendToStream(
        db,
        streamId,
        events,
        options,
        (id, withoutEvents) => appendWithoutEvents(db, id, withoutEvents),
        cipher,
        batcher
          ? (_db, id, sealed, appendOptions) => batcher.append(id, sealed, appendOptions)
          : undefined,
      ),
    readAll: (afterPosition, limit) => readAll(db, afterPosition, limit, cipher),
  };
};
