import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * SHA-256 of the UTF-8 encoding of `text`, as 64 lowercase hex digits. Synchronous and platform-free (no
 * `node:crypto`, no Web Crypto promise), so the domain runs unchanged in Node, a browser or an edge runtime.
 */
export const sha256Hex = (text: string): string => bytesToHex(sha256(utf8ToBytes(text)));
