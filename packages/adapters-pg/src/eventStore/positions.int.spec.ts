import { join } from 'node:path';
import {
  createOrderCommandHandler,
  type OrderView,
  type RecordedEvent,
  uuidV7Generator,
} from '@oms/domain';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgCheckpointStore } from '../checkpoints/checkpointStore.js';
import { createPgOrderStore, type PgOrderStore } from '../createPgOrderStore.js';
import { runMigrations } from '../migrations/runMigrations.js';
import { createPool } from '../pool.js';
import { databaseUrlFor } from '../testing/createTestDatabase.js';
import { createOrderRequest } from '../testing/fixtures.js';
import { type LocalCluster, startLocalCluster } from '../testing/startLocalCluster.js';

const RELAY = 'kafka-relay';

const admin = async (url: string, sql: string): Promise<void> => {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
};

const readAllAfter = async (store: PgOrderStore, from: number): Promise<RecordedEvent[]> => {
  const seen: RecordedEvent[] = [];
  let position = from;
  for (;;) {
    const page = (await store.eventStore.readAll(position, 500))._unsafeUnwrap();
    if (page.length === 0) return seen;
    seen.push(...page);
    position = page.at(-1)?.globalPosition ?? position;
  }
};

const handlerFor = (store: PgOrderStore) =>
  createOrderCommandHandler({
    eventStore: store.eventStore,
    clock: { now: () => new Date() },
    ids: uuidV7Generator,
  });

/** What a running system left behind: orders, and a relay checkpoint at the end of what it read. */
interface Source {
  readonly url: string;
  readonly orders: readonly OrderView[];
  readonly checkpoint: number;
}

let source: LocalCluster;
let seeded: Source;

beforeAll(async () => {
  source = await startLocalCluster({ wal_level: 'logical', max_wal_senders: 4 });
  await admin(source.url, 'CREATE DATABASE oms');
  const url = databaseUrlFor(source.url, 'oms');
  const pool = createPool(url, { max: 2 });
  try {
    await runMigrations(pool);
    // A cluster that has lived: its transaction counter is well above a fresh cluster's.
    await pool.query(
      'DO $$ BEGIN FOR i IN 1..3000 LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$',
    );
    const store = createPgOrderStore({ pool });
    const handle = handlerFor(store);
    const orders: OrderView[] = [];
    for (let i = 0; i < 3; i += 1)
      orders.push((await handle(createOrderRequest(), { actor: 'test' }))._unsafeUnwrap().view);
    const read = await readAllAfter(store, 0);
    const checkpoint = read.at(-1)?.globalPosition ?? 0;
    expect(read).toHaveLength(3);
    await createPgCheckpointStore(pool).save(RELAY, checkpoint);
    seeded = { url, orders, checkpoint };
  } finally {
    await pool.end();
  }
});
afterAll(async () => {
  await source?.stop();
});

/** The server starting on the moved database, then writing: old orders read the same, new events come after. */
const startAndWriteOn = async (url: string): Promise<void> => {
  const pool = createPool(url, { max: 4 });
  try {
    await runMigrations(pool);
    const store = createPgOrderStore({ pool });
    for (const order of seeded.orders) {
      const view = (await store.queries.getOrder(order.id))._unsafeUnwrap();
      expect(view).toEqual(order);
    }
    const checkpoint = await createPgCheckpointStore(pool).load(RELAY);
    expect(checkpoint).toBe(seeded.checkpoint);
    expect(await readAllAfter(store, checkpoint)).toEqual([]);

    const handle = handlerFor(store);
    const confirmed = await handle(
      { type: 'ConfirmOrder', orderId: seeded.orders[0]?.id ?? '' },
      { actor: 'test' },
    );
    expect(confirmed._unsafeUnwrap().view.status).toBe('CONFIRMED');
    const created = (await handle(createOrderRequest(), { actor: 'test' }))._unsafeUnwrap();

    const published = await readAllAfter(store, checkpoint);
    expect(published.map((event) => [event.streamId, event.type])).toEqual([
      [seeded.orders[0]?.id, 'order.confirmed'],
      [created.view.id, 'order.created'],
    ]);
    for (const event of published) expect(event.globalPosition).toBeGreaterThan(checkpoint);
    const everything = await readAllAfter(store, 0);
    expect(everything).toHaveLength(5);
  } finally {
    await pool.end();
  }
};

describe('global positions survive moving the database to a new cluster', () => {
  let target: LocalCluster;
  beforeAll(async () => {
    target = await startLocalCluster();
  });
  afterAll(async () => {
    await target?.stop();
  });

  it('pg_dump, restore into a fresh cluster: old orders read the same, new events come after the checkpoint', async () => {
    const file = join(source.folder, 'oms.sql');
    await source.tool('pg_dump', ['-d', seeded.url, '-f', file]);
    await admin(target.url, 'CREATE DATABASE restored');
    const url = databaseUrlFor(target.url, 'restored');
    await target.tool('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file]);
    await startAndWriteOn(url);
  });

  it('logical replication into a fresh cluster (sequences are not replicated): the start aligns them', async () => {
    const schema = join(source.folder, 'schema.sql');
    await source.tool('pg_dump', ['--schema-only', '-d', seeded.url, '-f', schema]);
    await admin(target.url, 'CREATE DATABASE replicated');
    const url = databaseUrlFor(target.url, 'replicated');
    await target.tool('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', schema]);
    await admin(seeded.url, 'CREATE PUBLICATION oms_move FOR ALL TABLES');
    await admin(
      url,
      `CREATE SUBSCRIPTION oms_move CONNECTION 'host=127.0.0.1 port=${source.port} user=postgres dbname=oms' PUBLICATION oms_move`,
    );
    const replica = new pg.Client({ connectionString: url });
    await replica.connect();
    try {
      for (let wait = 0; wait < 300; wait += 1) {
        const pending = await replica.query<{ n: number }>(
          "SELECT count(*)::integer AS n FROM pg_subscription_rel WHERE srsubstate <> 'r'",
        );
        const events = await replica.query<{ n: number }>(
          'SELECT count(*)::integer AS n FROM oms_events',
        );
        if (pending.rows[0]?.n === 0 && events.rows[0]?.n === 3) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The cut-over: the subscription goes, the application moves to the new cluster.
      await replica.query('ALTER SUBSCRIPTION oms_move DISABLE');
      await replica.query('ALTER SUBSCRIPTION oms_move SET (slot_name = NONE)');
      await replica.query('DROP SUBSCRIPTION oms_move');
    } finally {
      await replica.end();
    }
    await admin(seeded.url, "SELECT pg_drop_replication_slot('oms_move')");
    await startAndWriteOn(url);
  });
});
