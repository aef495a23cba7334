/**
 * The few assertions the given/when/then kit needs, without a test framework: `@oms/domain/testing` works under
 * vitest, jest, `node:test` or plain scripts, as ESM and CommonJS. A failure is an `Error` carrying `actual` and
 * `expected`, which test runners (vitest, jest, node:test) render as a diff.
 */
export class SpecificationFailure extends Error {
  override readonly name = 'SpecificationFailure';
  readonly showDiff: boolean;

  constructor(
    message: string,
    readonly actual?: unknown,
    readonly expected?: unknown,
  ) {
    super(message);
    this.showDiff = actual !== undefined || expected !== undefined;
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

const definedKeys = (value: Record<string, unknown>): string[] =>
  Object.keys(value).filter((key) => value[key] !== undefined);

/** Deep equality as vitest's `toEqual`: properties whose value is `undefined` count as absent. */
export const deepEqual = (actual: unknown, expected: unknown): boolean => {
  if (Object.is(actual, expected)) return true;
  if (actual instanceof Date || expected instanceof Date)
    return (
      actual instanceof Date && expected instanceof Date && actual.getTime() === expected.getTime()
    );
  if (Array.isArray(actual) || Array.isArray(expected))
    return (
      Array.isArray(actual) &&
      Array.isArray(expected) &&
      actual.length === expected.length &&
      actual.every((item, index) => deepEqual(item, expected[index]))
    );
  if (!isPlainObject(actual) || !isPlainObject(expected)) return false;
  const keys = definedKeys(actual);
  const expectedKeys = definedKeys(expected);
  return (
    keys.length === expectedKeys.length &&
    expectedKeys.every((key) => Object.hasOwn(actual, key) && deepEqual(actual[key], expected[key]))
  );
};

/**
 * Partial match as vitest's `toMatchObject`: every property of `expected` is in `actual` (recursively); arrays
 * have the same length and match element by element.
 */
export const matchesShape = (actual: unknown, expected: unknown): boolean => {
  if (Array.isArray(expected))
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, index) => matchesShape(actual[index], item))
    );
  if (isPlainObject(expected))
    return (
      isPlainObject(actual) &&
      Object.keys(expected).every(
        (key) => Object.hasOwn(actual, key) && matchesShape(actual[key], expected[key]),
      )
    );
  return deepEqual(actual, expected);
};
