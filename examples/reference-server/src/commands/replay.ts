import { createPgOrderStore } from '@oms/adapters-pg';
import { stateFromEvents } from '@oms/domain';
import type { Database } from '../database.js';
import { out } from './output.js';

export const replay = async (database: Database, orderId: string | undefined): Promise<number> => {
  if (!orderId) {
    process.stderr.write('replay needs an order id\n');
    return 2;
  }
  const store = createPgOrderStore({ pool: database.pool, keyManagement: database.keyManagement });
  const stream = await store.eventStore.readStream(orderId);
  if (stream.isErr()) {
    process.stderr.write(`${stream.error.message}\n`);
    return 1;
  }
  if (stream.value.version === 0) {
    process.stderr.write(`order ${orderId} has no events\n`);
    return 1;
  }
  for (const event of stream.value.events) out(event);
  const state = stateFromEvents(stream.value.events);
  out({ state: state.status === 'NONE' ? null : { status: state.status, version: state.version } });
  return 0;
};
