import { uuidv7 } from '@oms/domain';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPgOrderStore } from '../createPgOrderStore.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';
import { testEvent } from '../testing/fixtures.js';
import { APPEND_BATCH_STATEMENT, toBatchInput } from './appendBatch.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
});
afterAll(async () => {
  await db?.drop();
});

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Shared Hit Blocks': number;
  readonly 'Shared Read Blocks': number;
  readonly Plans?: readonly PlanNode[];
}

const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

/** `count` events of other streams, ~700 bytes each. */
const addEvents = async (count: number) => {
  await db.pool.query(
    `INSERT INTO oms_events (global_position, stream_id, stream_version, event_id, event_type, schema_version, data,
                             metadata, occurred_at)
     SELECT nextval('oms_events_position_seq') << 10, 'bulk-' || s, 1, 'bulk-event-' || s, 'test.bulk', 1,
            jsonb_build_object('pad', repeat('x', 600)), '{}', now()
       FROM (SELECT gen_random_uuid()::text AS s FROM generate_series(1, $1::integer)) AS g`,
    [count],
  );
};

describe('the batch append statement', () => {
  it('reads each stream by index, however much the events grew after its plan was made', async () => {
    // A cached generic plan made when the events were a few thousand rows, then ten times as many that no ANALYZE
    // has seen (autovacuum off, so no re-plan comes to the rescue during the test). A plan that hashes the whole
    // table once per statement (what the planner prefers for ~100 estimated batch rows against a small table) reads
    // all of it in every batch from then on.
    for (const table of ['oms_events', 'oms_orders', 'oms_idempotency_claims'])
      await db.pool.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    await addEvents(2_000);
    await db.pool.query('ANALYZE oms_events, oms_orders, oms_idempotency_claims');
    const session = new pg.Pool({
      connectionString: db.url,
      max: 1,
      options: '-c plan_cache_mode=force_generic_plan',
    });
    try {
      const { eventStore } = createPgOrderStore({
        pool: session,
        appendBatching: { maxInFlight: 1 },
      });
      // appends issued at once go (at least some of them) in a batch statement, prepared and planned on this session
      const firstIds = [uuidv7(), uuidv7(), uuidv7()];
      const first = await Promise.all(
        firstIds.map((id) =>
          eventStore.appendToStream(id, [testEvent('test.a')], { expectedVersion: 0 }),
        ),
      );
      for (const result of first) expect(result.isOk()).toBe(true);
      const prepared = await session.query('SELECT 1 FROM pg_prepared_statements WHERE name = $1', [
        APPEND_BATCH_STATEMENT,
      ]);
      expect(prepared.rowCount).toBe(1);

      await addEvents(20_000);
      const pages = await db.pool.query<{ pages: number }>(
        "SELECT (pg_relation_size('oms_events') / current_setting('block_size')::integer)::integer AS pages",
      );
      const tablePages = pages.rows[0]?.pages ?? 0;
      expect(tablePages).toBeGreaterThan(1_000);

      // five appends as the batcher sends them: the second version of the first three, two new streams
      const input = [
        ...firstIds.map((id) => ({ id, expectedVersion: 1 })),
        ...[uuidv7(), uuidv7()].map((id) => ({ id, expectedVersion: 0 })),
      ].map(({ id, expectedVersion }, i) =>
        toBatchInput(
          {
            streamId: id,
            sealed: { events: [testEvent('test.b')], newKeys: [], committed: () => undefined },
            options: { expectedVersion },
          },
          i,
        ),
      );
      const explained = await session.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        // EXECUTE takes no bind parameters: the batch as a literal (standard_conforming_strings)
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE ${APPEND_BATCH_STATEMENT}('${JSON.stringify(input).replaceAll("'", "''")}')`,
      );
      const plan = explained.rows[0]?.['QUERY PLAN'][0].Plan;
      if (!plan) throw new Error('no plan');
      const scans = nodes(plan).filter(
        (node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'oms_events',
      );
      expect(scans).toEqual([]);
      // index probes, the inserted rows and their index entries: nowhere near the table's size
      expect(plan['Shared Hit Blocks'] + plan['Shared Read Blocks']).toBeLessThan(tablePages / 10);
    } finally {
      await session.end();
    }
  });
});
