import type { EventStore } from '@oms/domain';
import { appendWithoutEvents } from '../idempotency/completeWithoutEvents.js';
import type { Queryable } from '../pool.js';
import { appendToStream } from './appendToStream.js';
import { readAll } from './readAll.js';
import { readStream } from './readStream.js';

export const createPgEventStore = (db: Queryable): EventStore => ({
  readStream: (streamId, options) => readStream(db, streamId, options),
  appendToStream: (streamId, events, options) =>
    appendToStream(db, streamId, events, options, (id, withoutEvents) =>
      appendWithoutEvents(db, id, withoutEvents),
    ),
  readAll: (afterPosition, limit) => readAll(db, afterPosition, limit),
});
