import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import {
  createPgOrderStore,
  eraseCustomer,
  purgeExpiredIdempotencyKeys,
  readBarrierStatus,
} from '@oms/adapters-pg';
import { createExecuteOrderRequest, systemClock, uuidV7Generator } from '@oms/domain';
import { createApp, nodeServerOptions } from '@oms/http-hono';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Config } from './config.js';
import { appendBatching, openDatabase } from './database.js';
import { buildAsyncApiDocument, startKafka } from './kafka.js';
import { registerKafkaMetrics } from './kafkaMetrics.js';
import { watchReadBarrier } from './readBarrierWatch.js';
import { startReadReplica } from './readReplica.js';
import { startTracing, stopTracing } from './tracing/startTracing.js';
import { traceCommands } from './tracing/traceCommands.js';

const PURGE_INTERVAL_MS = 10 * 60 * 1000;

export interface RunningServer {
  readonly url: string;
  /** Stops accepting, finishes in-flight requests, stops the relay and consumer, closes the database. */
  stop(): Promise<void>;
}

/**
 * Stops accepting, lets requests in flight finish, and ends keep-alive connections: from now on every response
 * says `Connection: close`, and idle sockets are closed as soon as they go idle. What is still open at the timeout
 * is cut.
 */
const closeHttp = (server: ReturnType<typeof serve>, timeoutMs: number): Promise<void> =>
  new Promise((resolve) => {
    server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      if (!response.headersSent) response.setHeader('connection', 'close');
    });
    const sweep = setInterval(() => {
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    }, 50);
    const timer = setTimeout(() => {
      clearInterval(sweep);
      if ('closeAllConnections' in server) server.closeAllConnections();
      resolve();
    }, timeoutMs);
    timer.unref();
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(timer);
      resolve();
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });

export const startServer = async (config: Config, logger: Logger): Promise<RunningServer> => {
  // before anything makes a span: off (no OTEL_* exporter set), the SDK is not even loaded
  const tracing = await startTracing();
  const database = await openDatabase(config, logger, 'oms-reference-server');
  const store = createPgOrderStore({
    pool: database.pool,
    keyManagement: database.keyManagement,
    appendBatching: appendBatching(config),
  });
  // The one write path, shared by the HTTP API, the Shopify webhook and the Kafka consumer.
  const execute = traceCommands(
    createExecuteOrderRequest({
      eventStore: store.eventStore,
      idempotency: store.idempotency,
      clock: systemClock,
      ids: uuidV7Generator,
      maxRetries: 10,
      confirmRequiresPayment: config.OMS_CONFIRM_REQUIRES_PAYMENT,
    }),
  );
  const kafka = await startKafka(config, logger, {
    ...store,
    pool: database.pool,
    leasePool: database.directPool,
    execute,
  });

  const metricsRegistry = new Registry();
  registerKafkaMetrics(metricsRegistry, kafka);
  const barrierWatch = watchReadBarrier({
    read: () => readBarrierStatus(database.pool),
    registry: metricsRegistry,
    logger,
  });

  const routing = database.readPool
    ? startReadReplica(config, logger, metricsRegistry, {
        primary: database.pool,
        replica: database.readPool,
      })
    : undefined;

  const app = createApp(
    {
      ...store,
      ...(routing ? { reads: routing } : {}),
      execute,
      personalData: {
        erase: (email) => eraseCustomer(database.pool, email, { cipher: store.cipher }),
      },
      ready: async () => {
        // a relay stopped by a missing topic is not ready: it publishes nothing until an operator acts
        if (kafka.relay?.lag().status === 'failed') return false;
        try {
          await database.pool.query('SELECT 1');
          return true;
        } catch {
          return false;
        }
      },
    },
    {
      logger,
      metricsRegistry,
      requireIdempotencyKey: config.OMS_REQUIRE_IDEMPOTENCY_KEY,
      ...(config.OMS_API_KEYS ? { apiKeys: config.OMS_API_KEYS } : {}),
      guardedPaths: ['/asyncapi.json'],
      ...(config.SHOPIFY_WEBHOOK_SECRET ? { shopifySecret: config.SHOPIFY_WEBHOOK_SECRET } : {}),
    },
  );
  const asyncApi = buildAsyncApiDocument();
  app.get('/asyncapi.json', (c) => c.json(asyncApi));

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const listening = serve(
      {
        fetch: app.fetch,
        port: config.PORT,
        hostname: config.HOST,
        // A slow client cannot hold a connection: 10 s for the headers, 30 s for the whole request.
        serverOptions: nodeServerOptions(),
      },
      () => resolve(listening),
    );
    listening.once('error', reject);
  });
  // Before the listening line: whoever waits for that line (an operator, a test) has seen this one too.
  if (!config.KAFKA_BROKERS)
    logger.info(
      'KAFKA_BROKERS is not set: publishing and consuming are off; every event is still stored and will be published once Kafka is configured',
    );
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`;
  logger.info(
    {
      url,
      database: database.description,
      kafka: config.KAFKA_BROKERS
        ? {
            brokers: config.KAFKA_BROKERS,
            relay: Boolean(kafka.relay),
            consumer: Boolean(kafka.consumer),
          }
        : 'off',
      tracing: tracing.exporter,
    },
    `OMS Order Intake listening on ${url} (database: ${database.description}; kafka: ${config.KAFKA_BROKERS ? config.KAFKA_BROKERS.join(',') : 'off'})`,
  );

  // Completed idempotency keys are kept for 24 hours, then removed, so the table does not grow without bound.
  const purge = setInterval(() => {
    void purgeExpiredIdempotencyKeys(database.pool).match(
      (purged) => purged > 0 && logger.info({ purged }, 'expired idempotency keys removed'),
      (error) => logger.warn({ error: error.message }, 'purging expired idempotency keys failed'),
    );
  }, PURGE_INTERVAL_MS);
  purge.unref();

  let stopping: Promise<void> | undefined;
  return {
    url,
    stop: () => {
      stopping ??= (async () => {
        clearInterval(purge);
        barrierWatch.stop();
        routing?.stop();
        await closeHttp(server, config.OMS_SHUTDOWN_TIMEOUT_MS);
        await kafka.stop();
        await database.close();
        // last: the spans of the shutdown itself are exported too
        await stopTracing(tracing, logger);
      })();
      return stopping;
    },
  };
};
