import { err, ok, type Result } from 'neverthrow';
import { jsonShapeProblem } from '../json/jsonShape.js';
import { quoteLongIntegers } from '../json/longIntegers.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The raw webhook body as a JSON object. Integers of more than 15 digits are read as strings, never as JS numbers,
 * so that Shopify ids above 2^53 stay exact (`820982911946154508`). Nesting is bounded before parsing.
 * @returns the object, or why it cannot be read (the delivery is then parked)
 */
export const parseShopifyPayload = (raw: Uint8Array): Result<Record<string, unknown>, string> => {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return err('the body is not valid UTF-8');
  }
  const shape = jsonShapeProblem(text);
  if (shape) return err(shape);
  let value: unknown;
  try {
    value = JSON.parse(quoteLongIntegers(text));
  } catch (error) {
    return err(
      `the body is not valid JSON: ${error instanceof Error ? error.message.slice(0, 200) : 'parse error'}`,
    );
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? ok(value as Record<string, unknown>)
    : err('the body is not a JSON object');
};
