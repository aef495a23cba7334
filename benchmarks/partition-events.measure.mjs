#!/usr/bin/env node
// `node benchmarks/partition-events.measure.mjs [events]` (default 200k) on DATABASE_URL or the local PostgreSQL at
// 127.0.0.1:5432: synthetic events in a fresh database, a stream read and a 500-event oms_read_all batch (200 each)
// before and after `partitionEvents` (16 partitions), and the copy rate. Not part of `pnpm bench` (it needs a server).
import { createTestDatabase, partitionEvents } from '@oms/adapters-pg';

const rows = Number(process.argv[2] ?? 200000);
const db = await createTestDatabase(
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
);
try {
  await db.pool.query(`INSERT INTO oms_events (global_position, stream_id, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at)
    SELECT g * 1024, 'stream-' || (g / 4), (g % 4) + 1, 'e' || g, 'order.line_added', 1, jsonb_build_object('sku', 'SKU-' || g, 'quantity', 2, 'unitPrice', jsonb_build_object('amount','29.99','currencyCode','USD')), '{"actor":"bench"}', now()
      FROM generate_series(1, ${rows}) g`);
  await db.pool.query(`SELECT setval('oms_events_position_seq', ${rows} + 1)`);
  await db.pool.query('ANALYZE oms_events');
  const q0 = async (sql, v) => {
    const s = performance.now();
    for (let i = 0; i < 200; i++) await db.pool.query(sql, v(i));
    return (performance.now() - s) / 200;
  };
  console.log(
    'UNPARTITIONED readAll ms',
    (await q0('SELECT * FROM oms_read_all($1, 500)', (i) => [i * 1000 * 1024])).toFixed(2),
    'readStream ms',
    (
      await q0('SELECT * FROM oms_events WHERE stream_id = $1 ORDER BY stream_version', (i) => [
        'stream-' + i * 97,
      ])
    ).toFixed(2),
  );
  const report = await partitionEvents(db.pool, { partitions: 16 });
  console.log(
    JSON.stringify({ rows, ...report, rowsPerSecond: Math.round(rows / report.seconds) }),
  );
  const q = async (sql, v) => {
    const s = performance.now();
    for (let i = 0; i < 200; i++) await db.pool.query(sql, v(i));
    return (performance.now() - s) / 200;
  };
  console.log(
    'PARTITIONED readAll ms',
    (await q('SELECT * FROM oms_read_all($1, 500)', (i) => [i * 1000 * 1024])).toFixed(2),
    'readStream ms',
    (
      await q('SELECT * FROM oms_events WHERE stream_id = $1 ORDER BY stream_version', (i) => [
        'stream-' + i * 97,
      ])
    ).toFixed(2),
  );
} finally {
  await db.drop();
}
