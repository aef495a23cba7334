import {
  createPgCheckpointStore,
  createPgOrderStore,
  createPgParkedEventStore,
  readBarrierStatus,
} from '@oms/adapters-pg';
import type { Config } from '../config.js';
import { type Database, openDatabase } from '../database.js';
import {
  buildRelay,
  countEventsAfter,
  createKafkaClient,
  LAG_COUNT_LIMIT,
  RELAY_NAME,
  relayNames,
} from '../kafka.js';
import { createLogger } from '../logger.js';
import { onStopSignal } from '../stopSignal.js';
import { startTracing, stopTracing } from '../tracing/startTracing.js';
import { out } from './output.js';

export const relayStatus = async (database: Database, shards: number): Promise<number> => {
  const checkpoints = createPgCheckpointStore(database.pool);
  const positions = await Promise.all(relayNames(shards).map((name) => checkpoints.load(name)));
  const position = Math.min(...positions);
  const pending = await countEventsAfter(database.pool)(position);
  const oldest = await database.pool.query<{ occurred_at: Date | null; head: string | null }>(
    `SELECT (SELECT min(occurred_at) FROM oms_events WHERE global_position > $1) AS occurred_at,
            (SELECT max(global_position) FROM oms_events) AS head`,
    [position],
  );
  const row = oldest.rows[0];
  const barrier = await readBarrierStatus(database.pool);
  if (barrier.isErr()) {
    process.stderr.write(`${barrier.error.message}\n`);
    return 1;
  }
  out({
    relay: RELAY_NAME,
    checkpoint: position,
    ...(shards > 1
      ? {
          shards: Object.fromEntries(
            relayNames(shards).map((name, index) => [name, positions[index]]),
          ),
        }
      : {}),
    head: Number(row?.head ?? 0),
    lagEvents: pending,
    lagEventsCapped: pending >= LAG_COUNT_LIMIT,
    lagSeconds: row?.occurred_at ? Math.max(0, (Date.now() - row.occurred_at.getTime()) / 1000) : 0,
    // Events below `readableBelow` can be published; those above wait for an append still in flight.
    readableBelow: barrier.value.barrier,
    appendsInFlight: barrier.value.appendsInFlight,
    heldBack: barrier.value.heldBack,
    blockedSeconds: barrier.value.blockedSeconds,
    blockedBy: barrier.value.blocker,
  });
  return 0;
};

/** `relay parked|retry|skip`: an operator's view of, and verdict on, the events the relay could not publish. */
export const parkedEvents = async (
  database: Database,
  action: string,
  argument: string | undefined,
  shards: number,
): Promise<number> => {
  const parking = createPgParkedEventStore(database.pool);
  if (action === 'parked') {
    for (const name of relayNames(shards))
      for (const parked of await parking.list(name, { all: argument === '--all' })) out(parked);
    return 0;
  }
  if (!argument) {
    process.stderr.write(`relay ${action} needs the id of a parked event (see \`relay parked\`)\n`);
    return 2;
  }
  const requested = await parking.request(argument, action === 'retry' ? 'retry' : 'skip');
  if (!requested) {
    process.stderr.write(`no open parked event with id ${argument}\n`);
    return 1;
  }
  out(requested);
  return 0;
};

export const runRelay = async (config: Config): Promise<number> => {
  if (!config.KAFKA_BROKERS) {
    process.stderr.write('KAFKA_BROKERS is not set: there is nothing to relay to\n');
    return 2;
  }
  const brokers = config.KAFKA_BROKERS;
  const logger = createLogger(config.LOG_LEVEL);
  // before anything makes a span, as the server does: off (no OTEL_* exporter set), the SDK is not even loaded
  const tracing = await startTracing();
  const database = await openDatabase(config, logger, 'oms-relay');
  const store = createPgOrderStore({ pool: database.pool, keyManagement: database.keyManagement });
  const relay = buildRelay(config, logger, createKafkaClient(config, logger, brokers), {
    eventStore: store.eventStore,
    pool: database.pool,
    leasePool: database.directPool,
  });
  await relay.start();
  logger.info(
    { brokers, tracing: tracing.exporter },
    'relay running (it publishes while it holds the lease)',
  );
  await new Promise<void>((resolve) => onStopSignal(logger, () => resolve()));
  logger.info('relay stopping: publishing what is committed, then releasing the lease');
  await relay.stop();
  await database.close();
  // last: the spans of the last publishes are exported too
  await stopTracing(tracing, logger);
  return 0;
};
