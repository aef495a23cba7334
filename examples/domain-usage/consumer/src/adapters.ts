// The PostgreSQL adapter's event store is the consumer's EventStore: one @oms/domain and one neverthrow between them.
import { createPgOrderStore } from '@oms/adapters-pg';
import type { EventStore } from '@oms/domain';

type Pool = Parameters<typeof createPgOrderStore>[0]['pool'];

export const eventStoreOn = (pool: Pool): EventStore => createPgOrderStore({ pool }).eventStore;
