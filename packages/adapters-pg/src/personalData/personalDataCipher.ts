import { createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import {
  ERASED,
  holdsPersonalData,
  mergePersonalData,
  type NewEvent,
  type PersonalValues,
  type RecordedEvent,
  splitPersonalData,
} from '@oms/domain';
import type { EventRow } from '../eventStore/rows.js';
import { toRecordedEvent } from '../eventStore/rows.js';
import type { Queryable } from '../pool.js';
import { openAesGcm, randomIv, sealAesGcm } from './aesGcm.js';
import { BoundedCache } from './boundedCache.js';
import type { KeyManagement } from './keyManagement.port.js';
import { subjectDigest } from './subjectDigest.js';

/** The field of a stored event's data that holds its encrypted personal values. */
export const ENVELOPE_FIELD = '$pii';

/** `{k: data key id, iv, ct}`, base64; `ct` is AES-256-GCM of the personal values' JSON, the event id bound to it. */
export interface Envelope {
  readonly k: string;
  readonly iv: string;
  readonly ct: string;
}

/** An event row read with its data key's row (`LEFT JOIN oms_data_keys`): no wrapped key means erased. */
export interface KeyedEventRow extends EventRow {
  readonly pii_wrapped_key?: Buffer | null;
  readonly pii_master_key_id?: string | null;
}

/** A data key created by an append, inserted by the same statement as its events. */
export interface NewDataKeyRow {
  readonly key_id: string;
  readonly subject_digest: string;
  readonly wrapped_key: string;
  readonly master_key_id: string;
}

export interface SealedEvents {
  readonly events: readonly NewEvent[];
  readonly newKeys: readonly NewDataKeyRow[];
  /** Call once the append committed: its new keys are then reused for the same customer. */
  readonly committed: () => void;
}

export interface PersonalDataCipher {
  readonly keyManagement: KeyManagement;
  seal(db: Queryable, streamId: string, events: readonly NewEvent[]): Promise<SealedEvents>;
  open(rows: readonly KeyedEventRow[]): Promise<RecordedEvent[]>;
  /** Forgets the unwrapped keys and customers of this process (after an erasure). */
  forget(): void;
}

export interface PersonalDataCipherOptions {
  readonly keyManagement: KeyManagement;
  /** Unwrapped data keys kept in memory (default 10 000, about 1 MB). */
  readonly cacheSize?: number;
  /** How long a customer's key is reused without looking at the table (default 60 s): bounds how long another
   *  process's erasure can go unnoticed by this one's writes. Reads always see erasures at once. */
  readonly subjectTtlMillis?: number;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const envelopeOf = (data: unknown): Envelope | undefined => {
  if (!isObject(data)) return undefined;
  const envelope = data[ENVELOPE_FIELD];
  return isObject(envelope) && typeof envelope.k === 'string'
    ? (envelope as unknown as Envelope)
    : undefined;
};

const withoutEnvelope = (data: Record<string, unknown>): Record<string, unknown> => {
  const { [ENVELOPE_FIELD]: _envelope, ...plain } = data;
  return plain;
};

/** What a stored event reads as without its key (erased, or no key management): the envelope dropped. */
export const erasedRecordedEvent = (row: EventRow): RecordedEvent => {
  const recorded = toRecordedEvent(row);
  return isObject(recorded.data) && ENVELOPE_FIELD in recorded.data
    ? { ...recorded, data: withoutEnvelope(recorded.data) }
    : recorded;
};

const STREAM_KEY_SQL = `
SELECT e.data->'${ENVELOPE_FIELD}'->>'k' AS key_id, e.data->'customer'->>'email' AS email,
       k.wrapped_key, k.master_key_id
  FROM oms_events e LEFT JOIN oms_data_keys k ON k.key_id = e.data->'${ENVELOPE_FIELD}'->>'k'
 WHERE e.stream_id = $1 AND e.event_type = 'order.created'
 LIMIT 1`;

interface StreamKeyRow {
  readonly key_id: string | null;
  readonly email: string | null;
  readonly wrapped_key: Buffer | null;
  readonly master_key_id: string | null;
}

type KeyChoice = { readonly keyId: string; readonly key: KeyObject } | 'erased';

const encode = (text: string): Buffer => Buffer.from(text, 'utf8');

/**
 * Envelope encryption of the personal values of stored events (spec §7), applied by the event store on write and
 * read: the domain never sees it. Each customer (by e-mail) has data keys in `oms_data_keys`, wrapped by the master
 * key; erasing a customer deletes the wrapped keys, after which every event sealed with them reads as erased.
 */
export const createPersonalDataCipher = ({
  keyManagement,
  cacheSize = 10_000,
  subjectTtlMillis = 60_000,
}: PersonalDataCipherOptions): PersonalDataCipher => {
  const keys = new BoundedCache<string, KeyObject>(cacheSize);
  const subjects = new BoundedCache<string, { keyId: string; at: number }>(cacheSize);

  const unwrapped = async (
    keyId: string,
    wrapped: Buffer,
    masterKeyId: string,
  ): Promise<KeyObject> => {
    const cached = keys.get(keyId);
    if (cached) return cached;
    const key = createSecretKey(await keyManagement.unwrap({ wrapped, masterKeyId }));
    keys.set(keyId, key);
    return key;
  };

  const encrypt = (key: KeyChoice & object, eventId: string, values: PersonalValues): Envelope => {
    const iv = randomIv();
    const sealed = sealAesGcm(key.key, iv, encode(eventId), encode(JSON.stringify(values)));
    return { k: key.keyId, iv: iv.toString('base64'), ct: sealed.toString('base64') };
  };

  const seal = async (
    db: Queryable,
    streamId: string,
    events: readonly NewEvent[],
  ): Promise<SealedEvents> => {
    const newKeys: NewDataKeyRow[] = [];
    const created: { digest: string; keyId: string; key: KeyObject }[] = [];
    let streamKey: KeyChoice | undefined;

    const newKey = async (digest: Buffer): Promise<KeyChoice> => {
      const raw = crypto.getRandomValues(new Uint8Array(32));
      const wrapped = await keyManagement.wrap(raw);
      const keyId = randomUUID();
      const key = createSecretKey(raw);
      newKeys.push({
        key_id: keyId,
        subject_digest: digest.toString('base64'),
        wrapped_key: Buffer.from(wrapped.wrapped).toString('base64'),
        master_key_id: wrapped.masterKeyId,
      });
      created.push({ digest: digest.toString('hex'), keyId, key });
      return { keyId, key };
    };

    const forCustomer = async (email: string): Promise<KeyChoice> => {
      const digest = subjectDigest(email);
      const hex = digest.toString('hex');
      const pending = created.find((entry) => entry.digest === hex);
      if (pending) return pending;
      const known = subjects.get(hex);
      const key =
        known && Date.now() - known.at < subjectTtlMillis ? keys.get(known.keyId) : undefined;
      if (known && key) return { keyId: known.keyId, key };
      return newKey(digest);
    };

    const forStream = async (): Promise<KeyChoice> => {
      if (streamKey) return streamKey;
      const found = (await db.query<StreamKeyRow>(STREAM_KEY_SQL, [streamId])).rows[0];
      if (found?.key_id)
        return found.wrapped_key && found.master_key_id
          ? {
              keyId: found.key_id,
              key: await unwrapped(found.key_id, found.wrapped_key, found.master_key_id),
            }
          : 'erased';
      if (found?.email && found.email !== ERASED) return forCustomer(found.email);
      if (found) return 'erased';
      // no order.created stored: the stream is its own subject
      return newKey(subjectDigest(`stream:${streamId}`));
    };

    const sealed: NewEvent[] = [];
    for (const event of events) {
      const { plain, personal } = splitPersonalData(event.type, event.data);
      if (!personal) {
        sealed.push(event);
        continue;
      }
      const email = personal.customer?.email;
      const choice = email === undefined ? await forStream() : await forCustomer(email);
      if (email !== undefined) streamKey = choice;
      sealed.push(
        choice === 'erased'
          ? { ...event, data: plain }
          : {
              ...event,
              data: {
                ...(plain as object),
                [ENVELOPE_FIELD]: encrypt(choice, event.eventId, personal),
              },
            },
      );
    }
    return {
      events: sealed,
      newKeys,
      committed: () => {
        for (const { digest, keyId, key } of created) {
          keys.set(keyId, key);
          subjects.set(digest, { keyId, at: Date.now() });
        }
      },
    };
  };

  const openOne = async (row: KeyedEventRow): Promise<RecordedEvent> => {
    const envelope = envelopeOf(row.data);
    if (!envelope || !row.pii_wrapped_key || !row.pii_master_key_id)
      return erasedRecordedEvent(row);
    const key = await unwrapped(envelope.k, row.pii_wrapped_key, row.pii_master_key_id);
    const opened = openAesGcm(
      key,
      Buffer.from(envelope.iv, 'base64'),
      encode(row.event_id),
      Buffer.from(envelope.ct, 'base64'),
    );
    const values = JSON.parse(opened.toString('utf8')) as PersonalValues;
    const recorded = toRecordedEvent(row);
    return {
      ...recorded,
      data: mergePersonalData(withoutEnvelope(row.data as Record<string, unknown>), values),
    };
  };

  return {
    keyManagement,
    seal,
    open: (rows) =>
      Promise.all(rows.map((row) => (envelopeOf(row.data) ? openOne(row) : toRecordedEvent(row)))),
    forget: () => {
      keys.clear();
      subjects.clear();
    },
  };
};

/** Whether any of these events needs sealing (most appends do not: only order.created and address changes). */
export const needsSealing = (events: readonly NewEvent[]): boolean =>
  events.some((event) => holdsPersonalData(event.type));
