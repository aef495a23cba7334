import currencyCodes from 'currency-codes';

/**
 * ISO 4217 list one (active currencies and funds) from the `currency-codes` package, which ingests the ISO
 * maintenance agency's XML: the same list and minor units on every Node version, unlike Intl's CLDR data.
 * A code ISO has withdrawn (HRK, SLL) is not on it; codes with no minor unit ("N.A.": XAU, XXX) count as 0.
 */
const MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  currencyCodes.data.map((record) => [record.code, record.digits]),
);

/** The ISO 4217 list's publication date the data follows (e.g. "2024-06-25"). */
export const ISO_4217_PUBLISHED: string = currencyCodes.publishDate;

/** An active ISO 4217 code, in upper case (USD, CLF); withdrawn codes (HRK) and lower case are not. */
export const isCurrencyCode = (code: string): boolean => MINOR_UNITS.has(code);

/**
 * ISO 4217 minor units: USD 2, HUF 2, JPY 0, BHD 3, IQD 3, CLF 4. A code not on the list (a withdrawn currency
 * read from an old stored event) gets 2, so that rendering an old order never fails.
 */
export const minorUnits = (currencyCode: string): number => MINOR_UNITS.get(currencyCode) ?? 2;
