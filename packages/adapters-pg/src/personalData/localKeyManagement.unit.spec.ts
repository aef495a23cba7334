import { describe, expect, it } from 'vitest';
import {
  createLocalKeyManagement,
  generateMasterKey,
  MasterKeyError,
  parseMasterKey,
} from './localKeyManagement.js';

describe('local key management', () => {
  it('unwraps what it wrapped, and nothing wrapped by another master key', async () => {
    const kms = await createLocalKeyManagement({ masterKey: generateMasterKey() });
    const dataKey = crypto.getRandomValues(new Uint8Array(32));
    const wrapped = await kms.wrap(dataKey);
    expect(Buffer.from(wrapped.wrapped).includes(Buffer.from(dataKey))).toBe(false);
    expect(await kms.unwrap(wrapped)).toEqual(dataKey);
    const other = await createLocalKeyManagement({ masterKey: generateMasterKey() });
    expect(other.knows(wrapped.masterKeyId)).toBe(false);
    await expect(other.unwrap(wrapped)).rejects.toBeInstanceOf(MasterKeyError);
  });

  it('refuses a tampered wrapped key', async () => {
    const kms = await createLocalKeyManagement({ masterKey: generateMasterKey() });
    const wrapped = await kms.wrap(new Uint8Array(32));
    const bytes = new Uint8Array(wrapped.wrapped);
    bytes[20] = (bytes[20] ?? 0) ^ 1;
    await expect(kms.unwrap({ ...wrapped, wrapped: bytes })).rejects.toThrow();
  });

  it('unwraps with a previous master key after rotation, and wraps with the new one', async () => {
    const old = generateMasterKey();
    const before = await createLocalKeyManagement({ masterKey: old });
    const wrapped = await before.wrap(new Uint8Array(32).fill(7));
    const after = await createLocalKeyManagement({
      masterKey: generateMasterKey(),
      previousMasterKeys: [old],
    });
    expect(after.currentMasterKeyId).not.toBe(before.currentMasterKeyId);
    expect(await after.unwrap(wrapped)).toEqual(new Uint8Array(32).fill(7));
    expect((await after.wrap(new Uint8Array(32))).masterKeyId).toBe(after.currentMasterKeyId);
  });

  it('reads base64 and hex master keys and refuses anything else', () => {
    expect(parseMasterKey('ab'.repeat(32))).toHaveLength(32);
    expect(parseMasterKey(generateMasterKey())).toHaveLength(32);
    for (const bad of ['', 'secret', 'ab'.repeat(31), Buffer.alloc(16).toString('base64')])
      expect(() => parseMasterKey(bad)).toThrow(MasterKeyError);
  });
});
