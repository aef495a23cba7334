import { createPgOrderStore, partitionEvents, rebuildReadModels } from '@oms/adapters-pg';
import { runCommand } from './commands/orderCommand.js';
import { out } from './commands/output.js';
import { privacyCommand } from './commands/privacyCommand.js';
import { parkedEvents, relayStatus, runRelay } from './commands/relayCommands.js';
import { replay } from './commands/replay.js';
import { USAGE } from './commands/usage.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { type Database, openDatabase } from './database.js';
import { createLogger } from './logger.js';
import { reshard } from './reshard.js';
import { shopifyCommand } from './shopifyCommand.js';

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
        const { cipher } = createPgOrderStore({
          pool: database.pool,
          keyManagement: database.keyManagement,
        });
        out(await rebuildReadModels(database.pool, { cipher }));
        return 0;
      });
    case 'relay-status':
      return withDatabase(config, (database) => relayStatus(database, config.OMS_RELAY_SHARDS));
    case 'replay':
      return withDatabase(config, (database) => replay(database, rest[0]));
    case 'shopify':
      return withDatabase(config, (database) => shopifyCommand(database, rest, out));
    case 'relay': {
      const [action, argument] = rest;
      if (action === 'parked' || action === 'retry' || action === 'skip')
        return withDatabase(config, (database) =>
          parkedEvents(database, action, argument, config.OMS_RELAY_SHARDS),
        );
      if (action === 'reshard')
        return withDatabase(config, (database) => reshard(config, database, rest.slice(1)));
      if (action !== undefined) {
        process.stderr.write(`unknown relay command ${action}\n${USAGE}\n`);
        return 2;
      }
      return runRelay(config);
    }
    case 'command':
      return withDatabase(config, (database) => runCommand(database, rest, config));
    case 'partition-events': {
      const partitions = rest[0] === undefined ? 16 : Number(rest[0]);
      if (!Number.isInteger(partitions) || partitions < 2 || partitions > 1024) {
        process.stderr.write('partition-events: n must be an integer from 2 to 1024\n');
        return 2;
      }
      return withDatabase(config, async (database) => {
        out(await partitionEvents(database.directPool, { partitions }));
        return 0;
      });
    }
    case 'keys':
    case 'privacy':
      return withDatabase(config, (database) => privacyCommand(database, command, rest));
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
