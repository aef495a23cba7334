import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLocalKeyManagement,
  createPgOrderStore,
  createTestDatabase,
  generateMasterKey,
  type TestDatabase,
} from '@oms/adapters-pg';
import {
  createOrderCommandHandler,
  ORDER_INPUT_SCHEMAS,
  systemClock,
  uuidV7Generator,
  uuidv7,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/fixtures';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { MASTER_KEY_FILE, openKeyManagement } from './masterKey.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

let db: TestDatabase;
let dataDir: string;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
  dataDir = await mkdtemp(join(tmpdir(), 'oms-master-key-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

const storeAnOrder = async (masterKey: string): Promise<void> => {
  const store = createPgOrderStore({
    pool: db.pool,
    keyManagement: await createLocalKeyManagement({ masterKey }),
  });
  const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse(orderFixtures.seedCreateOrderBody());
  const handle = createOrderCommandHandler({
    eventStore: store.eventStore,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  (
    await handle({ type: 'CreateOrder', orderId: uuidv7(), input }, { actor: 'test' })
  )._unsafeUnwrap();
};

describe('the master key of the reference server', () => {
  it('with the embedded PostgreSQL and no OMS_MASTER_KEY: generated once, kept in the data dir (0600)', async () => {
    const config = { ...loadConfig({ OMS_DATA_DIR: dataDir }), DATABASE_URL: undefined };
    const first = await openKeyManagement(config, db.pool, logger);
    const kept = (await readFile(join(dataDir, MASTER_KEY_FILE), 'utf8')).trim();
    expect((await stat(join(dataDir, MASTER_KEY_FILE))).mode & 0o777).toBe(0o600);
    const second = await openKeyManagement(config, db.pool, logger);
    expect(second?.currentMasterKeyId).toBe(first?.currentMasterKeyId);
    expect((await createLocalKeyManagement({ masterKey: kept })).currentMasterKeyId).toBe(
      first?.currentMasterKeyId,
    );
  });

  it('stops the start when the database holds encrypted data and no key, or another key, is given', async () => {
    const masterKey = generateMasterKey();
    await storeAnOrder(masterKey);
    const external = loadConfig({ DATABASE_URL: db.url, OMS_DATA_DIR: dataDir });
    await expect(openKeyManagement(external, db.pool, logger)).rejects.toThrow(
      /holds encrypted personal data: set OMS_MASTER_KEY/,
    );
    await expect(
      openKeyManagement({ ...external, OMS_MASTER_KEY: generateMasterKey() }, db.pool, logger),
    ).rejects.toThrow(ConfigError);
    await expect(
      openKeyManagement({ ...external, OMS_MASTER_KEY: 'too-short' }, db.pool, logger),
    ).rejects.toThrow(/OMS_MASTER_KEY/);
    const right = await openKeyManagement(
      { ...external, OMS_MASTER_KEY: masterKey },
      db.pool,
      logger,
    );
    expect(right).toBeDefined();
    // during a rotation: the new key current, the old one previous
    const rotating = await openKeyManagement(
      { ...external, OMS_MASTER_KEY: generateMasterKey(), OMS_PREVIOUS_MASTER_KEYS: masterKey },
      db.pool,
      logger,
    );
    expect(rotating?.currentMasterKeyId).not.toBe(right?.currentMasterKeyId);
  });
});
