import {
  createPgOrderStore,
  encryptPlainEvents,
  eraseCustomer,
  rotateMasterKey,
} from '@oms/adapters-pg';
import type { Database } from '../database.js';
import { out } from './output.js';
import { USAGE } from './usage.js';

export const privacyCommand = async (
  database: Database,
  command: 'keys' | 'privacy',
  [action, argument]: readonly string[],
): Promise<number> => {
  const { keyManagement } = database;
  const { cipher } = createPgOrderStore({ pool: database.pool, keyManagement });
  if (command === 'privacy' && action === 'erase' && argument) {
    out(await eraseCustomer(database.pool, argument, { cipher }));
    return 0;
  }
  if (!keyManagement || !cipher) {
    process.stderr.write('OMS_MASTER_KEY is not set: personal data is not encrypted\n');
    return 2;
  }
  if (command === 'keys' && action === 'rotate') {
    const report = await rotateMasterKey(database.pool, keyManagement);
    out({ ...report, masterKeyId: keyManagement.currentMasterKeyId });
    return report.unknown === 0 ? 0 : 1;
  }
  if (command === 'privacy' && action === 'encrypt-existing') {
    out(await encryptPlainEvents(database.pool, cipher));
    return 0;
  }
  process.stderr.write(`unknown ${command} command ${action ?? ''}\n${USAGE}\n`);
  return 2;
};
