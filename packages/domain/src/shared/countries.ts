let regionNames: Intl.DisplayNames | undefined;
/** At most 26 × 26 answers, so the cache is bounded; Intl look-ups are slow enough to show in a create's profile. */
const answers = new Map<string, boolean>();

/**
 * ISO 3166-1 alpha-2, as the platform's Intl region data knows it (no hand-kept list). CLDR also names deprecated
 * aliases (`UK`, `YU`, `SU`: canonicalised to another code) and reserved or non-country regions; neither is accepted.
 */
export const isCountryCode = (code: string): boolean => {
  if (!/^[A-Z]{2}$/.test(code)) return false;
  let answer = answers.get(code);
  if (answer === undefined) {
    answer = lookUpCountry(code);
    answers.set(code, answer);
  }
  return answer;
};

const lookUpCountry = (code: string): boolean => {
  if (NON_COUNTRY_REGIONS.has(code)) return false;
  regionNames ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  try {
    return (
      regionNames.of(code) !== undefined &&
      Intl.getCanonicalLocales(`und-${code}`)[0] === `und-${code}`
    );
  } catch {
    return false;
  }
};

/**
 * Region codes that CLDR names but that are not officially assigned ISO 3166-1 countries: groupings (EU, EZ, UN,
 * QO), private-use and pseudo regions (XA, XB, XK, ZZ), and the exceptionally reserved codes (AC, CP, CQ, DG, EA,
 * IC, TA).
 */
const NON_COUNTRY_REGIONS = new Set([
  'EU',
  'EZ',
  'UN',
  'QO',
  'XA',
  'XB',
  'XK',
  'ZZ',
  'AC',
  'CP',
  'CQ',
  'DG',
  'EA',
  'IC',
  'TA',
]);
