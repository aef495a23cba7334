import {
  buildAsyncApiDocument,
  createConsumer,
  createShardedRelay,
  type InboundConsumer,
  type ProducerThreadLog,
  type Relay,
  shardName,
} from '@oms/adapters-kafka';
import { acquireLease, createPgCheckpointStore, createPgParkedEventStore } from '@oms/adapters-pg';
import type { EventStore, ExecuteOrderRequest } from '@oms/domain';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from './config.js';

export const RELAY_NAME = 'oms-relay';

/** The checkpoint (and lease) names of the configured shards: `oms-relay` alone without shards. */
export const relayNames = (shards: number): string[] =>
  Array.from({ length: shards }, (_, index) => shardName(RELAY_NAME, { index, count: shards }));

export interface KafkaParts {
  readonly relay?: Relay;
  readonly consumer?: InboundConsumer;
  stop(): Promise<void>;
}

const kafkaLogger =
  (logger: Logger) =>
  () =>
  ({ level, log }: { level: number; log: { message: string } & Record<string, unknown> }) => {
    const { message, ...rest } = log;
    const fields = { kafka: rest };
    if (level === logLevel.ERROR) logger.warn(fields, message);
    else if (level === logLevel.WARN) logger.info(fields, message);
    else logger.debug(fields, message);
  };

/** The client settings of every Kafka client of the server (plain data: the relay's producer thread gets them too). */
const clientSettings = (config: Config, brokers: readonly string[]) => ({
  clientId: config.KAFKA_CLIENT_ID,
  brokers: [...brokers],
  retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
});

export const createKafkaClient = (
  config: Config,
  logger: Logger,
  brokers: readonly string[],
): Kafka =>
  new Kafka({
    ...clientSettings(config, brokers),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogger(logger),
  });

/** The relay's producer thread: the same client settings, its log entries to the same logger. */
const producerThread = (config: Config, logger: Logger, brokers: readonly string[]) => {
  const log = kafkaLogger(logger)();
  return {
    client: clientSettings(config, brokers),
    logLevel: logLevel.WARN,
    onLog: ({ level, message, fields }: ProducerThreadLog) =>
      log({ level, log: { message, ...fields } }),
  };
};

/** Past this many, the lag is reported as this many: counting a huge backlog would itself slow the relay down. */
export const LAG_COUNT_LIMIT = 100_000;

/** Counts committed events after a position, up to `LAG_COUNT_LIMIT`: the relay's lag in events. */
export const countEventsAfter =
  (pool: pg.Pool) =>
  async (position: number): Promise<number> => {
    const result = await pool.query<{ pending: string }>(
      `SELECT count(*) AS pending
         FROM (SELECT 1 FROM oms_events WHERE global_position > $1 LIMIT ${LAG_COUNT_LIMIT}) AS waiting`,
      [position],
    );
    return Number(result.rows[0]?.pending ?? 0);
  };

export interface RelayParts {
  readonly eventStore: EventStore;
  readonly pool: pg.Pool;
  /** Where the lease (a session advisory lock) is held: a direct connection, never a transaction pooler. */
  readonly leasePool?: pg.Pool;
}

export const buildRelay = (
  config: Config,
  logger: Logger,
  kafka: Kafka,
  { eventStore, pool, leasePool = pool }: RelayParts,
): Relay =>
  createShardedRelay({
    eventStore,
    checkpoints: createPgCheckpointStore(pool),
    shards: config.OMS_RELAY_SHARDS,
    lease: (name) => () => acquireLease(leasePool, name),
    kafka,
    ...(config.OMS_RELAY_PRODUCER_THREAD && config.KAFKA_BROKERS
      ? { producerThread: producerThread(config, logger, config.KAFKA_BROKERS) }
      : {}),
    options: {
      name: RELAY_NAME,
      idempotent: config.KAFKA_IDEMPOTENT,
      createTopics: config.KAFKA_CREATE_TOPICS,
      autoCreateTopics: config.KAFKA_AUTO_CREATE_TOPICS,
      maxBatchBytes: config.OMS_KAFKA_MAX_MESSAGE_BYTES,
      takeoverDelayMs: config.OMS_RELAY_TAKEOVER_DELAY_MS,
      countPending: countEventsAfter(pool),
      onError: (error) => {
        // what needs an operator is an error; what the relay retries by itself is a warning
        const needsOperator = error.code === 'topic-missing' || error.code === 'event-parked';
        logger[needsOperator ? 'error' : 'warn'](
          { relayError: error.code, err: error.cause },
          `relay: ${error.message}`,
        );
      },
    },
    parking: createPgParkedEventStore(pool),
  });

/** The inbound consumer, its failures and dead letters logged where an operator looks. */
const buildConsumer = (
  config: Config,
  logger: Logger,
  kafka: Kafka,
  deps: { readonly execute: ExecuteOrderRequest },
): InboundConsumer =>
  createConsumer({
    execute: deps.execute,
    kafka,
    options: {
      idempotent: config.KAFKA_IDEMPOTENT,
      createTopics: config.KAFKA_CREATE_TOPICS,
      internalRetryMs: config.OMS_CONSUMER_INTERNAL_RETRY_MS,
      deferMs: config.OMS_CONSUMER_DEFER_MS,
      sessionTimeout: config.OMS_CONSUMER_SESSION_TIMEOUT_MS,
      onError: (error) =>
        logger.warn({ consumerError: error.code }, `consumer: ${error.code}: ${error.message}`),
      onOutcome: (message, outcome) => {
        const where = {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
        };
        if (outcome.kind === 'dead-letter')
          logger.error(
            { ...where, dlqCode: outcome.code },
            `consumer: dead-lettered ${where.topic}/${where.partition}/${where.offset}: ${outcome.code}: ${outcome.reason}`,
          );
        else if (outcome.kind === 'defer')
          logger.info(
            { ...where, code: outcome.code },
            `consumer: deferred (not possible yet, retried): ${outcome.reason}`,
          );
      },
    },
  });

/** The relay and the consumer, when Kafka is configured and they are switched on. */
export const startKafka = async (
  config: Config,
  logger: Logger,
  deps: RelayParts & { readonly execute: ExecuteOrderRequest },
): Promise<KafkaParts> => {
  const brokers = config.KAFKA_BROKERS;
  if (!brokers) return { stop: async () => undefined };
  const kafka = createKafkaClient(config, logger, brokers);
  const relay = config.OMS_RELAY ? buildRelay(config, logger, kafka, deps) : undefined;
  if (relay && config.OMS_RELAY_PRODUCER_THREAD)
    logger.info('relay: Kafka producer in a worker thread');
  const consumer = config.OMS_CONSUMER ? buildConsumer(config, logger, kafka, deps) : undefined;
  await relay?.start();
  // The consumer joins its group in the background: a broker that is down does not hold up the HTTP API.
  consumer
    ?.start()
    .catch((error: unknown) => logger.error({ err: error }, 'the Kafka consumer failed to start'));
  return {
    ...(relay ? { relay } : {}),
    ...(consumer ? { consumer } : {}),
    stop: async () => {
      await Promise.allSettled([relay?.stop(), consumer?.stop()]);
    },
  };
};

export { buildAsyncApiDocument };
