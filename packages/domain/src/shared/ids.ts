declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type OrderId = Brand<string, 'OrderId'>;
export type LineId = Brand<string, 'LineId'>;
export type ShipmentId = Brand<string, 'ShipmentId'>;
export type EventId = Brand<string, 'EventId'>;

export const UUID_PATTERN =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;

export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const hex = (bytes: Uint8Array): string => {
  let text = '';
  for (const byte of bytes) text += HEX[byte];
  return text;
};

/** Random bytes drawn from the platform's CSPRNG in blocks: one call per 409 ids instead of one per id. */
const RANDOM_BLOCK = 4096;
let randomPool = new Uint8Array(0);
let randomOffset = 0;
const randomBytes = (count: number): Uint8Array => {
  if (randomOffset + count > randomPool.length) {
    randomPool = globalThis.crypto.getRandomValues(new Uint8Array(RANDOM_BLOCK));
    randomOffset = 0;
  }
  const bytes = randomPool.subarray(randomOffset, randomOffset + count);
  randomOffset += count;
  return bytes;
};

/**
 * How far back a timestamp may be from the newest one seen and still be treated as the same clock stepping back
 * (an NTP correction): such an id keeps the newer time and counts on from it, so ids stay in order. A timestamp
 * further back is taken as meant (an explicit `now`, a replay): its id carries that time. The bound also means one
 * odd timestamp far in the future (2099) moves the generator for that one call only, never every later id.
 */
export const MAX_CLOCK_STEP_BACK_MS = 10_000;

let lastMillis = -1;
let lastCounter = 0;

/**
 * UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter that keeps ids
 * generated in the same millisecond in order, then 62 random bits. Strictly increasing within the process for
 * timestamps that rise, repeat, or step back by at most {@link MAX_CLOCK_STEP_BACK_MS}; an id for a timestamp
 * further back than that encodes that timestamp (and restarts the sequence from it).
 */
export const uuidv7 = (now: number = Date.now()): string => {
  const random = randomBytes(10);
  let millis = now;
  if (millis <= lastMillis && lastMillis - millis <= MAX_CLOCK_STEP_BACK_MS) {
    millis = lastMillis;
    lastCounter += 1;
    if (lastCounter > 0xfff) {
      millis += 1;
      lastCounter = 0;
    }
  } else {
    lastCounter = ((random[0] ?? 0) << 4) & 0x7ff;
  }
  lastMillis = millis;
  const bytes = new Uint8Array(16);
  for (let index = 0; index < 6; index += 1) {
    bytes[index] = Math.floor(millis / 2 ** (8 * (5 - index))) & 0xff;
  }
  bytes[6] = 0x70 | ((lastCounter >> 8) & 0x0f);
  bytes[7] = lastCounter & 0xff;
  bytes[8] = 0x80 | ((random[2] ?? 0) & 0x3f);
  bytes.set(random.subarray(3, 10), 9);
  const text = hex(bytes);
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
};

/** The creation time encoded in a UUID v7, or undefined for other versions. */
export const uuidv7Time = (id: string): Date | undefined =>
  isUuid(id) && id[14] === '7'
    ? new Date(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16))
    : undefined;
