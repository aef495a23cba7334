import type { Hono } from 'hono';
import { openApiProblems } from './openApiResponses.js';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field
  readonly json: any;
}

export interface CallOptions {
  /** An object is sent as JSON (with Content-Type application/json); a string or bytes as they are. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

// biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its env
export type AnyApp = Hono<any, any, any>;

/** `app.request()` with the body read and parsed: no port, no server. */
export const call = async (
  app: AnyApp,
  method: string,
  path: string,
  { body, headers = {} }: CallOptions = {},
): Promise<ApiResponse> => {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    const isRaw = typeof body === 'string' || body instanceof Uint8Array;
    init.body = isRaw ? (body as string) : JSON.stringify(body);
    if (!isRaw && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type'))
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const response = await app.request(path, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const answer = { status: response.status, headers: response.headers, text, json };
  // Apps under `checkResponsesAgainstOpenApi` must answer what their document says, every time.
  const problems = await openApiProblems(app, method, path, answer);
  if (problems.length > 0)
    throw new Error(
      `the response does not match /openapi.json:\n${problems.join('\n')}\n${text.slice(0, 500)}`,
    );
  return answer;
};

/** A clock tests can move forward, so that `?asOf=` has distinct times to ask about. */
export const createTestClock = (start = Date.now()) => {
  let now = start;
  return {
    now: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
};
