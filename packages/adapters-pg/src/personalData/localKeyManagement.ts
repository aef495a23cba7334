import type { webcrypto } from 'node:crypto';
import type { KeyManagement, WrappedDataKey } from './keyManagement.port.js';

type CryptoKey = webcrypto.CryptoKey;

const IV_BYTES = 12;
const WRAP_CONTEXT = new TextEncoder().encode('oms data key v1');

export class MasterKeyError extends Error {
  override readonly name = 'MasterKeyError';
}

/** A master key as written in `OMS_MASTER_KEY`: 32 bytes, base64 (44 characters) or hex (64). */
export const parseMasterKey = (text: string): Uint8Array => {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : undefined;
  if (bytes?.length !== 32)
    throw new MasterKeyError(
      'a master key is 32 bytes, written as base64 (44 characters) or hex (64)',
    );
  return new Uint8Array(bytes);
};

/** A new random master key, base64 (what `OMS_MASTER_KEY` takes). */
export const generateMasterKey = (): string =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');

/** A master key's id: `local:` and the first 16 hex digits of its SHA-256 (names the key, reveals nothing of it). */
export const masterKeyId = async (raw: Uint8Array): Promise<string> => {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', raw));
  return `local:${Buffer.from(digest).toString('hex').slice(0, 16)}`;
};

export interface LocalKeyManagementOptions {
  /** The current master key (`OMS_MASTER_KEY`). */
  readonly masterKey: string;
  /** Master keys rotated out whose data keys are not re-wrapped yet (`OMS_PREVIOUS_MASTER_KEYS`). */
  readonly previousMasterKeys?: readonly string[];
}

/**
 * The master key in this process's memory. A data key is wrapped with AES-256-GCM (Web Crypto): a random 12-byte
 * IV, then the ciphertext and its tag; the key's purpose is bound as additional data.
 */
export const createLocalKeyManagement = async ({
  masterKey,
  previousMasterKeys = [],
}: LocalKeyManagementOptions): Promise<KeyManagement> => {
  const keys = new Map<string, CryptoKey>();
  let current = '';
  for (const [index, text] of [masterKey, ...previousMasterKeys].entries()) {
    const raw = parseMasterKey(text);
    const id = await masterKeyId(raw);
    if (index === 0) current = id;
    if (!keys.has(id))
      keys.set(
        id,
        await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']),
      );
  }
  const keyOf = (id: string): CryptoKey => {
    const key = keys.get(id);
    if (!key)
      throw new MasterKeyError(`data key wrapped by master key ${id}, which is not configured`);
    return key;
  };
  return {
    currentMasterKeyId: current,
    knows: (id) => keys.has(id),
    wrap: async (dataKey): Promise<WrappedDataKey> => {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: WRAP_CONTEXT },
        keyOf(current),
        dataKey,
      );
      const wrapped = new Uint8Array(IV_BYTES + sealed.byteLength);
      wrapped.set(iv);
      wrapped.set(new Uint8Array(sealed), IV_BYTES);
      return { wrapped, masterKeyId: current };
    },
    unwrap: async ({ wrapped, masterKeyId: id }) => {
      const opened = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: wrapped.subarray(0, IV_BYTES), additionalData: WRAP_CONTEXT },
        keyOf(id),
        wrapped.subarray(IV_BYTES),
      );
      return new Uint8Array(opened);
    },
  };
};
