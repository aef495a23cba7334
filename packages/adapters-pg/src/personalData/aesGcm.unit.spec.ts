import { createSecretKey, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openAesGcm, randomIv, sealAesGcm } from './aesGcm.js';

const webCryptoKey = (raw: Uint8Array) =>
  crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);

describe('AES-256-GCM on node:crypto', () => {
  it('opens what Web Crypto sealed and seals what Web Crypto opens, byte for byte the same', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 2_048 }),
        async (raw, iv, additionalData, plaintext) => {
          const key = createSecretKey(raw);
          const webKey = await webCryptoKey(raw);
          const byWebCrypto = Buffer.from(
            await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, webKey, plaintext),
          );
          const byNode = sealAesGcm(key, iv, additionalData, plaintext);
          expect(byNode.equals(byWebCrypto)).toBe(true);
          expect(
            openAesGcm(key, iv, additionalData, byWebCrypto).equals(Buffer.from(plaintext)),
          ).toBe(true);
          const opened = await crypto.subtle.decrypt(
            { name: 'AES-GCM', iv, additionalData },
            webKey,
            byNode,
          );
          expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a changed ciphertext, tag, bound data or key, and a value shorter than a tag', () => {
    const raw = randomBytes(32);
    const key = createSecretKey(raw);
    const iv = randomBytes(12);
    const aad = Buffer.from('event-1');
    const sealed = sealAesGcm(key, iv, aad, Buffer.from('{"email":"ada@example.com"}'));
    const flipped = (at: number) => {
      const copy = Buffer.from(sealed);
      copy[at] = (copy[at] ?? 0) ^ 1;
      return copy;
    };
    expect(() => openAesGcm(key, iv, aad, flipped(0))).toThrow();
    expect(() => openAesGcm(key, iv, aad, flipped(sealed.length - 1))).toThrow();
    expect(() => openAesGcm(key, iv, Buffer.from('event-2'), sealed)).toThrow();
    expect(() => openAesGcm(createSecretKey(randomBytes(32)), iv, aad, sealed)).toThrow();
    expect(() => openAesGcm(key, iv, aad, sealed.subarray(0, 15))).toThrow(/shorter than its tag/);
  });
});

describe('randomIv', () => {
  it('hands out 12-byte IVs that never repeat, across blocks', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 2_000; n += 1) {
      const iv = randomIv();
      expect(iv).toHaveLength(12);
      seen.add(iv.toString('hex'));
    }
    expect(seen.size).toBe(2_000);
  });
});
