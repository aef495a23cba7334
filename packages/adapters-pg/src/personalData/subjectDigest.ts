import { createHash } from 'node:crypto';

/**
 * Who a data key belongs to: the SHA-256 of the customer's lower-cased e-mail. The key table never holds the
 * address itself; the digest stays after an erasure so that a repeated erasure answers the same. Synchronous
 * (node:crypto): a Web Crypto digest of a few bytes costs more in its asynchronous job than in the hash.
 */
export const subjectDigest = (email: string): Buffer =>
  createHash('sha256').update(email.trim().toLowerCase(), 'utf8').digest();
