import { resolve } from 'node:path';
import { z } from 'zod';

const flag = z
  .enum(['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no'])
  .transform((value) => ['1', 'true', 'on', 'yes'].includes(value));

const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value) && URL.canParse(value), {
    message: 'must be a postgres:// or postgresql:// URL',
  })
  .optional();

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: postgresUrl,
  /**
   * A direct (or session-mode) URL of the same primary, for what keeps session state: the relay's lease (a session
   * advisory lock) and the migrations. When set, DATABASE_URL is taken to be a transaction-mode pooler (PgBouncer):
   * its pool prepares no named statements.
   */
  DATABASE_DIRECT_URL: postgresUrl,
  /** A streaming replica: GET and list are served there (read-your-writes by consistency token). */
  DATABASE_READ_URL: postgresUrl,
  /** Named prepared statements on DATABASE_URL/DATABASE_READ_URL (default: on, off when DATABASE_DIRECT_URL is set). */
  OMS_PG_PREPARED_STATEMENTS: flag.optional(),
  /**
   * Group commit: append statements in flight at once; the appends that arrive meanwhile share the next statement and
   * its commit (adapters-pg `appendBatching`). 0: every append is a statement of its own.
   */
  OMS_PG_APPENDS_IN_FLIGHT: z.coerce.number().int().min(0).max(64).default(2),
  /** How long a read with a consistency token waits for the replica to replay it before it reads the primary. */
  OMS_READ_REPLICA_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(100),
  /** A replica further behind than this serves nothing (every read goes to the primary) until it catches up. */
  OMS_READ_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  OMS_DATA_DIR: z.string().min(1).default('.oms'),
  KAFKA_BROKERS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean),
    )
    .refine(
      (brokers) =>
        brokers.length > 0 && brokers.every((broker) => /^[^\s:]+:\d{1,5}$/.test(broker)),
      {
        message: 'must be a comma-separated list of host:port',
      },
    )
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('oms-order-intake'),
  /** Real clusters: on. librdkafka's mock cluster cannot do idempotent producers or create topics. */
  KAFKA_IDEMPOTENT: flag.default(true),
  KAFKA_CREATE_TOPICS: flag.default(true),
  /** Whether the brokers create a missing topic on first use; a topic still missing stops the relay (readiness fails). */
  KAFKA_AUTO_CREATE_TOPICS: flag.default(true),
  /** The brokers' `message.max.bytes`: batches are split below it, and an event above it alone is parked. */
  OMS_KAFKA_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(1_073_741_824)
    .default(1_048_588),
  /** How long a relay taking over from one that died waits for that one's last batch (default 30 s). */
  OMS_RELAY_TAKEOVER_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  /** How long the consumer keeps retrying a message that fails with an unexpected error (default 15 min). */
  OMS_CONSUMER_INTERNAL_RETRY_MS: z.coerce.number().int().min(0).max(86_400_000).default(900_000),
  /** How long the consumer defers a transition that is not possible yet (delivered before shipped; default 10 min). */
  OMS_CONSUMER_DEFER_MS: z.coerce.number().int().min(0).max(86_400_000).default(600_000),
  /**
   * The consumer group's session timeout (default 30 s; heartbeats every third of it, at most 3 s): how long a member
   * that died without leaving holds its partitions. Within the brokers' group.min/max.session.timeout.ms.
   */
  OMS_CONSUMER_SESSION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(6_000)
    .max(1_800_000)
    .default(30_000),
  OMS_RELAY: flag.default(true),
  /**
   * Relay shards: orders are split by a stable hash of their id, each shard with its own lease and checkpoint,
   * published in parallel by whichever relay processes hold them. Change it only with `oms relay reshard`.
   */
  OMS_RELAY_SHARDS: z.coerce.number().int().min(1).max(1024).default(1),
  /**
   * The relay's Kafka producer in a worker thread (default off): sending overlaps with reading and mapping the next
   * batch, so a big backlog drains faster on two cores (1.24-1.37x, `pnpm bench`: kafka.relay.*). Off by default:
   * under a steady load of 200 orders/s on that 2-core machine its commit-to-consumed p99 was worse than one
   * thread's (kafka.e2e.p99_ms.producer_thread).
   */
  OMS_RELAY_PRODUCER_THREAD: flag.default(false),
  OMS_CONSUMER: flag.default(true),
  SHOPIFY_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** The master key of personal data (32 bytes, base64 or hex); unset with the embedded PostgreSQL: kept in the
   *  data directory. */
  OMS_MASTER_KEY: z.string().min(1).optional(),
  /** Master keys rotated out, comma-separated, until `pnpm oms keys rotate` re-wrapped their data keys. */
  OMS_PREVIOUS_MASTER_KEYS: z.string().min(1).optional(),
  OMS_API_KEYS: z
    .string()
    .refine((value) => value.split(',').some((entry) => entry.trim() !== ''), {
      message: 'names no key (set id:key pairs or keys, comma-separated, or leave it unset)',
    })
    .optional(),
  OMS_REQUIRE_IDEMPOTENCY_KEY: flag.default(false),
  /** Spec §6: a confirm of an unpaid order places an AWAITING_PAYMENT hold; the authorization confirms it. */
  OMS_CONFIRM_REQUIRES_PAYMENT: flag.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OMS_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(25_000),
  /** Session timeouts of the pool's connections (0: the server's or the role's setting). */
  OMS_PG_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  OMS_PG_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  OMS_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(60_000),
});

export type Config = z.output<typeof ConfigSchema> & { readonly dataDir: string };

export class ConfigError extends Error {}

/**
 * Reads the environment; a bad value is one line naming the variable. Empty strings count as unset, except in
 * OMS_API_KEYS: a list with no key in it (`,`, blanks) is an error, never a server without keys.
 */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([name, value]) => value !== undefined && (value !== '' || name === 'OMS_API_KEYS'),
    ),
  );
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return { ...parsed.data, dataDir: resolve(parsed.data.OMS_DATA_DIR) };
};

/** The database URL without its password, for logs. */
export const redactUrl = (url: string): string => {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
};
