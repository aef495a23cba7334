import type { InfrastructureError, RecordedEvent } from '@oms/domain';
import { okAsync, ResultAsync } from 'neverthrow';
import {
  erasedRecordedEvent,
  type KeyedEventRow,
  type PersonalDataCipher,
} from '../personalData/personalDataCipher.js';

/**
 * Stored rows as recorded events: personal values decrypted with the cipher, or erased without it (an event whose
 * key is gone, or a store opened without key management). A key that cannot be unwrapped or an envelope that
 * does not decrypt is an error, never an erasure: a wrong master key must not look like erased data.
 */
export const openRows = (
  rows: readonly KeyedEventRow[],
  cipher: PersonalDataCipher | undefined,
): ResultAsync<RecordedEvent[], InfrastructureError> =>
  cipher
    ? ResultAsync.fromPromise(
        cipher.open(rows),
        (cause): InfrastructureError => ({
          code: 'internal',
          message: `cannot decrypt the personal data of stored events (is OMS_MASTER_KEY the one they were written with?): ${String(cause)}`,
          cause,
        }),
      )
    : okAsync(rows.map(erasedRecordedEvent));
