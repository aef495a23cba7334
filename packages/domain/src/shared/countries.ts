let regionNames: Intl.DisplayNames | undefined;

/** ISO 3166-1 alpha-2, as the platform's Intl region data knows it (no hand-kept list). */
export const isCountryCode = (code: string): boolean => {
  if (!/^[A-Z]{2}$/.test(code)) return false;
  regionNames ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  try {
    return regionNames.of(code) !== undefined && !NON_COUNTRY_REGIONS.has(code);
  } catch {
    return false;
  }
};

/** Region codes that CLDR names but that are not ISO 3166-1 countries. */
const NON_COUNTRY_REGIONS = new Set(['EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'XK', 'ZZ']);
