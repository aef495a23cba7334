/** How deep and how big a JSON body may be before the server spends CPU parsing it. */
export interface JsonShapeLimits {
  /** Deepest nesting of arrays and objects (default 32; an order needs 4). */
  readonly maxDepth: number;
  /** Most arrays and objects in one body (default 20,000; 500 lines need about 1,000). */
  readonly maxContainers: number;
}

export const DEFAULT_JSON_SHAPE_LIMITS: JsonShapeLimits = { maxDepth: 32, maxContainers: 20_000 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * One linear pass over the text, outside strings, counting nesting and containers; it stops at the first excess.
 * `JSON.parse` of a hostile body (1 MiB of `[`) costs a second of main-thread CPU; this costs a millisecond, so the
 * check runs before the parse. It does not validate JSON: the parse that follows does.
 * @returns why the body is refused, or undefined when it is within the limits
 */
export const jsonShapeProblem = (
  text: string,
  { maxDepth, maxContainers }: JsonShapeLimits = DEFAULT_JSON_SHAPE_LIMITS,
): string | undefined => {
  let depth = 0;
  let containers = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index += 1;
      else if (code === QUOTE) inString = false;
      continue;
    }
    if (code === QUOTE) inString = true;
    else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      depth += 1;
      containers += 1;
      if (depth > maxDepth) return `JSON nested deeper than ${maxDepth} levels is not accepted`;
      if (containers > maxContainers)
        return `JSON with more than ${maxContainers} arrays and objects is not accepted`;
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) depth -= 1;
  }
  return undefined;
};
