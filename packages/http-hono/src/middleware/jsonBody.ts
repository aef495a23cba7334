import type { Context } from 'hono';
import { err, ok, type Result } from 'neverthrow';
import type { AppEnv } from '../env.js';
import { jsonShapeProblem } from '../json/jsonShape.js';
import type { ProblemCode } from '../problems/problem.js';

export interface BodyProblem {
  readonly code: Extract<ProblemCode, 'malformed-json' | 'unsupported-media-type'>;
  readonly detail: string;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The body as JSON. An empty body is `{}` (so that `POST /confirm` needs none); any other body must be declared
 * JSON (415) and be valid UTF-8 JSON (400).
 */
export const jsonBody = (c: Context<AppEnv>): Result<unknown, BodyProblem> => {
  const raw = c.get('rawBody');
  if (!raw || raw.byteLength === 0) return ok({});
  const contentType = c.req.header('Content-Type') ?? '';
  if (!JSON_TYPE.test(contentType))
    return err({
      code: 'unsupported-media-type',
      detail: contentType
        ? `Content-Type ${contentType.slice(0, 100)} is not supported; send application/json`
        : 'a body needs Content-Type: application/json',
    });
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return err({ code: 'malformed-json', detail: 'the body is not valid UTF-8' });
  }
  if (text.trim() === '') return ok({});
  // Bounded before parsing: a hostile body must not cost a second of main-thread CPU.
  const shape = jsonShapeProblem(text);
  if (shape) return err({ code: 'malformed-json', detail: shape });
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (error) {
    return err({
      code: 'malformed-json',
      detail: `the body is not valid JSON: ${error instanceof Error ? error.message.slice(0, 200) : 'parse error'}`,
    });
  }
};
