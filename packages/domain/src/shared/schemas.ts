import * as z from 'zod';
import { isCountryCode } from './countries.js';
import { isCurrencyCode } from './currencies.js';
import { UUID_PATTERN } from './ids.js';
import { DECIMAL_AMOUNT } from './money.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** A real calendar date and time of day: Date.parse rolls 2026-02-30 over to March and accepts 24:00. */
const isRfc3339 = (value: string): boolean => {
  const match = RFC3339.exec(value);
  if (!match || Number.isNaN(Date.parse(value))) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const date = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0));
  return (
    date.getUTCMonth() === (month ?? 0) - 1 &&
    date.getUTCDate() === day &&
    (hour ?? 24) < 24 &&
    (minute ?? 60) < 60 &&
    (second ?? 60) < 60
  );
};

/** RFC 3339 date-time with an offset or Z, normalised to an ISO string in UTC. */
export const TimestampSchema = z
  .string()
  .refine(isRfc3339, {
    message: 'must be an RFC 3339 date-time with a time zone, e.g. 2026-01-31T12:00:00Z',
  })
  .refine(
    (value) => {
      const year = new Date(value).getUTCFullYear();
      return Number.isNaN(year) || (year >= 1 && year <= 9999);
    },
    { message: 'must fall between years 0001 and 9999 in UTC' },
  )
  .transform((value) => new Date(value).toISOString())
  .meta({ format: 'date-time', example: '2026-01-31T12:00:00.000Z' });

export const UuidSchema = z.string().regex(UUID_PATTERN, 'must be a UUID').meta({ format: 'uuid' });

export const CurrencyCodeSchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .refine(isCurrencyCode, { message: 'must be an ISO 4217 currency code' })
  .meta({ example: 'USD' });

export const CountryCodeSchema = z
  .string()
  .transform((value) => value.toUpperCase())
  .refine(isCountryCode, { message: 'must be an ISO 3166-1 alpha-2 country code' })
  .meta({ example: 'US' });

const numberToDecimal = (value: number): string => (Number.isFinite(value) ? String(value) : 'NaN');

/** A decimal string (a JSON number is accepted and read through its shortest decimal form). */
export const AmountSchema = z
  .union([z.string(), z.number()])
  .transform((value) => (typeof value === 'number' ? numberToDecimal(value) : value.trim()))
  .pipe(
    z
      .string()
      .regex(
        DECIMAL_AMOUNT,
        'must be a non-negative decimal with at most 15 integer and 4 fraction digits',
      ),
  )
  .meta({ example: '29.99' });

export const MoneyInputSchema = z.object({
  amount: AmountSchema,
  currencyCode: CurrencyCodeSchema,
});

export const MoneySchema = z
  .object({
    amount: z.string().meta({ example: '59.98' }),
    currencyCode: z.string().meta({ example: 'USD' }),
  })
  .meta({ id: 'Money' });

/**
 * Cross-field rules run even when other fields already failed, so that every problem is reported at once; but only on
 * an object (a missing or non-object value already has its issue, and the rule would read a property of nothing).
 */
const always = (payload: { readonly value: unknown }): boolean =>
  typeof payload.value === 'object' && payload.value !== null;

/** `name` split on its last space into first and last name. */
const splitName = (name: string): [string, string] | undefined => {
  const space = name.lastIndexOf(' ');
  const first = name.slice(0, space).trim();
  const last = name.slice(space + 1).trim();
  return space <= 0 || first.length === 0 || first.length > 100 || last.length > 100
    ? undefined
    : [first, last];
};

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) => z.string().trim().max(max).optional();

export const AddressSchema = z
  .object({
    street: text(255),
    street2: optionalText(255),
    city: text(100),
    state: optionalText(100),
    postalCode: text(20),
    country: CountryCodeSchema,
  })
  .meta({ id: 'Address' });
export type Address = z.output<typeof AddressSchema>;

/** Address input: the canonical names, or the older `line1/line2/stateOrRegion/countryCode`. */
export const AddressInputSchema = z
  .object({
    street: text(255).optional(),
    line1: text(255).optional(),
    street2: optionalText(255),
    line2: optionalText(255),
    city: text(100),
    state: optionalText(100),
    stateOrRegion: optionalText(100),
    postalCode: text(20),
    country: CountryCodeSchema.optional(),
    countryCode: CountryCodeSchema.optional(),
  })
  .refine((value) => value.street !== undefined || value.line1 !== undefined, {
    path: ['street'],
    message: 'street (or line1) is required',
    when: always,
  })
  .refine((value) => value.country !== undefined || value.countryCode !== undefined, {
    path: ['country'],
    message: 'country (or countryCode) is required',
    when: always,
  })
  .transform(
    (value): Address => ({
      street: (value.street ?? value.line1) as string,
      ...((value.street2 ?? value.line2) ? { street2: value.street2 ?? value.line2 } : {}),
      city: value.city,
      ...((value.state ?? value.stateOrRegion)
        ? { state: value.state ?? value.stateOrRegion }
        : {}),
      postalCode: value.postalCode,
      country: (value.country ?? value.countryCode) as string,
    }),
  )
  .meta({
    id: 'AddressInput',
    description: 'Canonical names, or the aliases line1, line2, stateOrRegion, countryCode',
  });

export const CustomerSchema = z
  .object({
    firstName: text(100),
    lastName: text(100),
    email: z.email().max(320),
    phone: optionalText(50),
  })
  .meta({ id: 'Customer' });
export type Customer = z.output<typeof CustomerSchema>;

/** Customer input: `firstName`/`lastName`, or the older `name` split on its last space. */
export const CustomerInputSchema = z
  .object({
    firstName: text(100).optional(),
    lastName: text(100).optional(),
    name: text(201).optional(),
    email: z.email().max(320),
    phone: optionalText(50),
  })
  .refine((value) => value.firstName !== undefined || value.name !== undefined, {
    path: ['firstName'],
    message: 'firstName (or name) is required',
    when: always,
  })
  .refine((value) => value.lastName !== undefined || value.name !== undefined, {
    path: ['lastName'],
    message: 'lastName (or name) is required',
    when: always,
  })
  .refine((value) => typeof value.name !== 'string' || splitName(value.name) !== undefined, {
    path: ['name'],
    message: 'name must hold a first and a last name of at most 100 characters each',
    when: always,
  })
  .transform((value): Customer => {
    const split = value.name === undefined ? undefined : splitName(value.name);
    return {
      firstName: value.firstName ?? split?.[0] ?? '',
      lastName: value.lastName ?? split?.[1] ?? '',
      email: value.email,
      ...(value.phone ? { phone: value.phone } : {}),
    };
  })
  .meta({
    id: 'CustomerInput',
    description: 'firstName and lastName, or the alias name (split on its last space)',
  });

export const MetadataSchema = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((value) => Object.keys(value).length <= 50, { message: 'at most 50 metadata keys' })
  .meta({ id: 'Metadata' });

export const QuantitySchema = z.number().int().min(1).max(1_000_000);
