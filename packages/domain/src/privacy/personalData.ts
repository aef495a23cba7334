/**
 * Which fields of the stored order events are personal data (spec §7), and how an event's data is split into its
 * plain part and its personal part. Pure: the event store encrypts the personal part (envelope encryption) and
 * erases it by destroying the key; the fold, the listing and the Kafka mapping only ever need the plain part.
 *
 * The plain part holds `"[erased]"` in place of every personal value, so an event whose key is gone reads as the
 * erased event, and an erased stream folds to the same status, lines, totals and version. The country of an
 * address stays plain: it routes fulfilment and identifies no one.
 */

export const ERASED = '[erased]';

type Json = Readonly<Record<string, unknown>>;

interface PersonalObject {
  /** A field of the event's data holding an object with personal values. */
  readonly field: string;
  /** Its values that stay plain. */
  readonly plain: readonly string[];
}

const CUSTOMER: PersonalObject = { field: 'customer', plain: [] };
const SHIPPING_ADDRESS: PersonalObject = { field: 'shippingAddress', plain: ['country'] };
const BILLING_ADDRESS: PersonalObject = { field: 'billingAddress', plain: ['country'] };

/** The stored event types holding personal data, and where. */
export const PERSONAL_DATA_FIELDS: Readonly<Record<string, readonly PersonalObject[]>> = {
  'order.created': [CUSTOMER, SHIPPING_ADDRESS, BILLING_ADDRESS],
  'order.shipping_address_changed': [SHIPPING_ADDRESS],
};

/** The personal values of one event: `{customer: {email: …}, shippingAddress: {street: …}}`. */
export type PersonalValues = Readonly<Record<string, Readonly<Record<string, string>>>>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const holdsPersonalData = (type: string): boolean =>
  Object.hasOwn(PERSONAL_DATA_FIELDS, type);

/**
 * The event's data with `"[erased]"` in place of each personal value, and those values apart. `personal` is
 * undefined when the event holds none (another type, or already erased).
 */
export const splitPersonalData = (
  type: string,
  data: unknown,
): { readonly plain: unknown; readonly personal: PersonalValues | undefined } => {
  const objects = PERSONAL_DATA_FIELDS[type];
  if (!objects || !isObject(data)) return { plain: data, personal: undefined };
  const plain: Record<string, unknown> = { ...data };
  const personal: Record<string, Record<string, string>> = {};
  for (const { field, plain: keep } of objects) {
    const value = data[field];
    if (!isObject(value)) continue;
    const erased: Record<string, unknown> = {};
    const values: Record<string, string> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (typeof inner === 'string' && !keep.includes(key) && inner !== ERASED) {
        values[key] = inner;
        erased[key] = ERASED;
      } else erased[key] = inner;
    }
    plain[field] = erased;
    if (Object.keys(values).length > 0) personal[field] = values;
  }
  return { plain, personal: Object.keys(personal).length > 0 ? personal : undefined };
};

/** The plain part with the personal values put back (values for fields the event does not hold are ignored). */
export const mergePersonalData = (plain: unknown, personal: PersonalValues): unknown => {
  if (!isObject(plain)) return plain;
  const merged: Record<string, unknown> = { ...plain };
  for (const [field, values] of Object.entries(personal)) {
    const target = merged[field];
    if (isObject(target)) merged[field] = { ...target, ...values };
  }
  return merged;
};

/** The event's data with every personal value erased (what a stream reads as once its customer is erased). */
export const erasePersonalData = (type: string, data: unknown): unknown =>
  splitPersonalData(type, data).plain;
