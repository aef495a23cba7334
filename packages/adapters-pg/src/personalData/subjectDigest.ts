/**
 * Who a data key belongs to: the SHA-256 of the customer's lower-cased e-mail. The key table never holds the
 * address itself; the digest stays after an erasure so that a repeated erasure answers the same.
 */
export const subjectDigest = async (email: string): Promise<Buffer> =>
  Buffer.from(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(email.trim().toLowerCase())),
  );
