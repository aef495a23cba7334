import { createKafkajsPublisher, reshardRelay } from '@oms/adapters-kafka';
import {
  acquireLease,
  createPgCheckpointStore,
  createPgOrderStore,
  createPgParkedEventStore,
} from '@oms/adapters-pg';
import { CompressionTypes } from 'kafkajs';
import type { Config } from './config.js';
import type { Database } from './database.js';
import { createKafkaClient, RELAY_NAME } from './kafka.js';
import { createLogger } from './logger.js';

const shardCount = (text: string | undefined): number | undefined => {
  const count = Number(text);
  return Number.isInteger(count) && count >= 1 && count <= 1024 ? count : undefined;
};

/** `relay reshard <from> <to>`: the operator's change of `OMS_RELAY_SHARDS`, with every relay stopped. */
export const reshard = async (
  config: Config,
  database: Database,
  args: readonly string[],
): Promise<number> => {
  const from = shardCount(args[0]);
  const to = shardCount(args[1]);
  if (from === undefined || to === undefined) {
    process.stderr.write('relay reshard needs the current and the new shard counts (1..1024)\n');
    return 2;
  }
  if (!config.KAFKA_BROKERS) {
    process.stderr.write('KAFKA_BROKERS is not set: the old shards cannot be drained\n');
    return 2;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const kafka = createKafkaClient(config, logger, config.KAFKA_BROKERS);
  const producer = kafka.producer({
    idempotent: config.KAFKA_IDEMPOTENT,
    allowAutoTopicCreation: true,
  });
  const publisher = createKafkajsPublisher({
    producer,
    compression: CompressionTypes.GZIP,
    timeoutMs: 30_000,
  });
  await publisher.connect();
  try {
    const outcome = await reshardRelay({
      eventStore: createPgOrderStore({ pool: database.pool }).eventStore,
      checkpoints: createPgCheckpointStore(database.pool),
      lease: (name) => () => acquireLease(database.pool, name),
      publisher,
      parking: createPgParkedEventStore(database.pool),
      from,
      to,
      options: { name: RELAY_NAME, maxBatchBytes: config.OMS_KAFKA_MAX_MESSAGE_BYTES },
    });
    process.stdout.write(
      `${JSON.stringify({ resharded: { from, to }, ...outcome, next: `start the relays with OMS_RELAY_SHARDS=${to}` })}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await publisher.disconnect().catch(() => undefined);
  }
};
