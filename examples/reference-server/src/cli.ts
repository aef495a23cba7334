import {
  createPgCheckpointStore,
  createPgOrderStore,
  createPgParkedEventStore,
  readBarrierStatus,
  rebuildReadModels,
} from '@oms/adapters-pg';
import {
  createExecuteOrderRequest,
  stateFromEvents,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { toOrderRequest } from './commandRequest.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { type Database, openDatabase } from './database.js';
import {
  buildRelay,
  countEventsAfter,
  createKafkaClient,
  LAG_COUNT_LIMIT,
  RELAY_NAME,
} from './kafka.js';
import { createLogger } from './logger.js';
import { shopifyCommand } from './shopifyCommand.js';

const USAGE = `usage: pnpm oms <command>

commands:
  migrate              apply the schema migrations and exit
  rebuild              recompute the order read models from the events
  relay-status         the relay's checkpoint, its lag in events and seconds, and what holds the reader back
  replay <orderId>     print an order's stored events as JSON lines, then its folded state
  shopify parked [n]   the Shopify webhook deliveries that could not be mapped (parked), newest first
  relay                run the outbox relay as its own process (needs KAFKA_BROKERS) until SIGTERM/SIGINT
  relay parked [--all] the relay's parked events (too large to publish), one JSON line each
  relay retry <id>     publish a parked event again (then its order's later events), e.g. after raising
                       OMS_KAFKA_MAX_MESSAGE_BYTES; the running relay does it within a second
  relay skip <id>      give up a parked event: its order's later events are published without it
  command <Type> [--order <id>] [--line <id>] [--hold <id>] [--input <json>] [--key <idempotency key>]
                       run one order command (e.g. CancelOrder --order <id> --input '{"reason":"..."}') through the
                       same write path as the API; prints the order, or the refusal (exit 1)

Configuration comes from the same environment variables as the server (DATABASE_URL, OMS_DATA_DIR, KAFKA_BROKERS, ...).`;

const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

const withDatabase = async (
  config: Config,
  run: (database: Database) => Promise<number>,
): Promise<number> => {
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const database = await openDatabase(config, logger, 'oms-cli');
  try {
    return await run(database);
  } finally {
    await database.close();
  }
};

const relayStatus = async (database: Database): Promise<number> => {
  const position = await createPgCheckpointStore(database.pool).load(RELAY_NAME);
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

const replay = async (database: Database, orderId: string | undefined): Promise<number> => {
  if (!orderId) {
    process.stderr.write('replay needs an order id\n');
    return 2;
  }
  const store = createPgOrderStore({ pool: database.pool });
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

const flagValue = (args: readonly string[], name: string): string | undefined => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};

/** Translates the arguments into a request, runs it through `executeOrderRequest` (source `cli`), prints the outcome. */
const runCommand = async (
  database: Database,
  args: readonly string[],
  config: Pick<Config, 'OMS_CONFIRM_REQUIRES_PAYMENT'>,
): Promise<number> => {
  const [type = ''] = args;
  let body: unknown = {};
  try {
    body = JSON.parse(flagValue(args, '--input') ?? '{}');
  } catch {
    process.stderr.write('--input must be JSON\n');
    return 2;
  }
  const orderId = flagValue(args, '--order');
  const lineId = flagValue(args, '--line');
  const holdId = flagValue(args, '--hold');
  const request = toOrderRequest(
    type,
    {
      ...(orderId ? { orderId } : {}),
      ...(lineId ? { lineId } : {}),
      ...(holdId ? { holdId } : {}),
    },
    body,
  );
  if (request.isErr()) {
    out({ refused: request.error });
    return 1;
  }
  const store = createPgOrderStore({ pool: database.pool });
  const execute = createExecuteOrderRequest({
    eventStore: store.eventStore,
    idempotency: store.idempotency,
    clock: systemClock,
    ids: uuidV7Generator,
    confirmRequiresPayment: config.OMS_CONFIRM_REQUIRES_PAYMENT,
  });
  const key = flagValue(args, '--key');
  const result = await execute({
    request: request.value,
    actor: 'cli',
    ...(key ? { idempotency: { source: 'cli', key } } : {}),
  });
  if (result.isErr()) {
    out({ failed: { code: result.error.code, message: result.error.message } });
    return 1;
  }
  const outcome = result.value;
  if (outcome.kind === 'refused') {
    out({ refused: outcome.error, replayed: outcome.replayed });
    return 1;
  }
  out({ order: outcome.view, version: outcome.version, replayed: outcome.replayed });
  return 0;
};

/** `relay parked|retry|skip`: an operator's view of, and verdict on, the events the relay could not publish. */
const parkedEvents = async (
  database: Database,
  action: string,
  argument: string | undefined,
): Promise<number> => {
  const parking = createPgParkedEventStore(database.pool);
  if (action === 'parked') {
    for (const parked of await parking.list(RELAY_NAME, { all: argument === '--all' })) out(parked);
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

const runRelay = async (config: Config): Promise<number> => {
  if (!config.KAFKA_BROKERS) {
    process.stderr.write('KAFKA_BROKERS is not set: there is nothing to relay to\n');
    return 2;
  }
  const brokers = config.KAFKA_BROKERS;
  const logger = createLogger(config.LOG_LEVEL);
  const database = await openDatabase(config, logger, 'oms-relay');
  const store = createPgOrderStore({ pool: database.pool });
  const relay = buildRelay(config, logger, createKafkaClient(config, logger, brokers), {
    eventStore: store.eventStore,
    pool: database.pool,
  });
  await relay.start();
  logger.info({ brokers }, 'relay running (it publishes while it holds the lease)');
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  logger.info('relay stopping: publishing what is committed, then releasing the lease');
  await relay.stop();
  await database.close();
  return 0;
};

const main = async (): Promise<number> => {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  switch (command) {
    case 'migrate':
      return withDatabase(config, async () => {
        out({ migrated: true });
        return 0;
      });
    case 'rebuild':
      return withDatabase(config, async (database) => {
        out(await rebuildReadModels(database.pool));
        return 0;
      });
    case 'relay-status':
      return withDatabase(config, relayStatus);
    case 'replay':
      return withDatabase(config, (database) => replay(database, rest[0]));
    case 'shopify':
      return withDatabase(config, (database) => shopifyCommand(database, rest, out));
    case 'relay': {
      const [action, argument] = rest;
      if (action === 'parked' || action === 'retry' || action === 'skip')
        return withDatabase(config, (database) => parkedEvents(database, action, argument));
      if (action !== undefined) {
        process.stderr.write(`unknown relay command ${action}\n${USAGE}\n`);
        return 2;
      }
      return runRelay(config);
    }
    case 'command':
      return withDatabase(config, (database) => runCommand(database, rest, config));
    default:
      process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
      return 2;
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
