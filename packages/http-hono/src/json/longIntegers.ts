const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
const VALUE_START = new Set([0x3a /* : */, 0x5b /* [ */, 0x2c /* , */]);
const SAFE_DIGITS = 15;

/**
 * The JSON text with every integer literal of more than 15 digits turned into a string literal, so that
 * `JSON.parse` keeps ids above 2^53 exact (Shopify's `820982911946154508` would otherwise become
 * `820982911946154500`). Numbers with a fraction or an exponent are left alone; so is everything inside strings.
 * One linear pass.
 */
export const quoteLongIntegers = (text: string): string => {
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  let previous = -1; // the last significant character outside strings
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index += 1;
      else if (code === 0x22) {
        inString = false;
        previous = code;
      }
      continue;
    }
    if (code === 0x22) {
      inString = true;
      continue;
    }
    if ((isDigit(code) || code === 0x2d) && (previous === -1 || VALUE_START.has(previous))) {
      let end = index + (code === 0x2d ? 1 : 0);
      while (end < text.length && isDigit(text.charCodeAt(end))) end += 1;
      const next = text.charCodeAt(end);
      const digits = end - index - (code === 0x2d ? 1 : 0);
      const integer = next !== 0x2e && next !== 0x65 && next !== 0x45;
      if (integer && digits > SAFE_DIGITS) {
        out += `${text.slice(copiedUpTo, index)}"${text.slice(index, end)}"`;
        copiedUpTo = end;
      }
      previous = 0x30;
      index = end - 1;
      continue;
    }
    if (code > 0x20) previous = code;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
};
