/**
 * Exact decimal arithmetic on amount strings as scaled integers (BigInt), for the amounts every order carries:
 * short plain decimals ("29.99", "1500", "0.375"). It gives exactly what decimal.js gives for them (amounts.ts
 * checks every result against that rule in its tests), without building decimal objects: folding an order and
 * rendering its view are on the relay's and the API's hot paths. Anything else (an exponent, a blank, a value too
 * long to be sure decimal.js would not round it) answers `undefined`, and amounts.ts falls back to decimal.js.
 */

/** A decimal as `units × 10^-scale`. */
interface Scaled {
  readonly units: bigint;
  readonly scale: number;
}

/** Well inside decimal.js's 60 significant digits (decimal.ts), even for a sum of thousands of such operands. */
const MAX_DIGITS = 40;
const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

const parse = (amount: string): Scaled | undefined => {
  if (amount.length > MAX_DIGITS) return undefined;
  const match = PLAIN_DECIMAL.exec(amount);
  if (!match) return undefined;
  const [, sign = '', whole = '', fraction = ''] = match;
  const units = BigInt(`${whole}${fraction}`);
  return { units: sign === '-' ? -units : units, scale: fraction.length };
};

const TEN = 10n;
const rescale = (value: Scaled, scale: number): bigint =>
  value.scale === scale ? value.units : value.units * TEN ** BigInt(scale - value.scale);

/** Plain notation, trailing fraction zeros dropped, as decimal.js's `toFixed()` renders an exact value (no "-0"). */
const render = ({ units, scale }: Scaled): string => {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    const whole = digits.slice(0, digits.length - scale);
    const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
    digits = fraction === '' ? whole : `${whole}.${fraction}`;
  }
  return negative && digits !== '0' ? `-${digits}` : digits;
};

/** `amount × quantity` (an integer), or undefined when the fast path does not apply. */
export const scaledTimes = (amount: string, quantity: number): string | undefined => {
  const value = parse(amount);
  if (!value || !Number.isSafeInteger(quantity)) return undefined;
  return render({ units: value.units * BigInt(quantity), scale: value.scale });
};

/** The sum of the amounts (0 for none), or undefined when the fast path does not apply to one of them. */
export const scaledSum = (amounts: readonly string[]): string | undefined => {
  const values: Scaled[] = [];
  let scale = 0;
  for (const amount of amounts) {
    const value = parse(amount);
    if (!value) return undefined;
    values.push(value);
    scale = Math.max(scale, value.scale);
  }
  let units = 0n;
  for (const value of values) units += rescale(value, scale);
  return render({ units, scale });
};

/** At least `minDigits` fraction digits, more when the amount has them; undefined when the fast path does not apply. */
export const scaledRender = (amount: string, minDigits: number): string | undefined => {
  const value = parse(amount);
  if (!value || !Number.isSafeInteger(minDigits) || minDigits < 0) return undefined;
  const rendered = render(value);
  const point = rendered.indexOf('.');
  const fractionDigits = point < 0 ? 0 : rendered.length - point - 1;
  if (fractionDigits >= minDigits) return rendered;
  return `${point < 0 ? `${rendered}.` : rendered}${'0'.repeat(minDigits - fractionDigits)}`;
};

/** -1, 0 or 1 as `left` is below, equal to or above `right`; undefined when the fast path does not apply. */
export const scaledCompare = (left: string, right: string): number | undefined => {
  const a = parse(left);
  const b = parse(right);
  if (!a || !b) return undefined;
  const scale = Math.max(a.scale, b.scale);
  const difference = rescale(a, scale) - rescale(b, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
};
