import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { AnyApp, ApiResponse } from './apiClient.js';

// ajv and ajv-formats are CommonJS: under NodeNext their default export is the module object.
type AjvInstance = import('ajv/dist/2020.js').default;
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ??
  Ajv2020Module) as unknown as new (
  options: object,
) => AjvInstance;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: AjvInstance) => void;

interface Operation {
  readonly responses?: Record<
    string,
    { readonly content?: Record<string, unknown>; readonly headers?: Record<string, unknown> }
  >;
}
type OpenApiDocument = {
  readonly paths: Record<string, Record<string, Operation>>;
};

const pointer = (...segments: string[]): string =>
  segments.map((segment) => segment.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

const templateOf = (path: string): RegExp =>
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`);

/** ajv (JSON Schema 2020-12, as OpenAPI 3.1 uses, with formats) over one OpenAPI document. */
export const createOpenApiChecker = (document: OpenApiDocument) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(document, 'openapi');
  const templates = Object.keys(document.paths).map((path) => ({
    path,
    pattern: templateOf(path),
  }));

  /**
   * Problems of one response against the document: an undocumented path, method or status (without `default`), a
   * documented header missing, or a body its schema refuses. Empty: the response is what the document says.
   */
  const check = (method: string, url: string, response: ApiResponse): string[] => {
    const path = new URL(url, 'http://localhost').pathname;
    const template = templates.find((candidate) => candidate.pattern.test(path));
    if (!template) {
      // A path the API does not have: a 404 problem, as every problem is.
      const problem = ajv.getSchema('openapi#/components/schemas/Problem');
      return response.status === 404 && problem?.(response.json)
        ? []
        : [`${path} is not in the document (answered ${response.status})`];
    }
    const operation = document.paths[template.path]?.[method.toLowerCase()];
    if (!operation) {
      // A wrong method is answered 405 by the app itself: the document describes the methods that exist.
      return response.status === 405 ? [] : [`${method} ${template.path} is not in the document`];
    }
    const status = String(response.status);
    const key = operation.responses?.[status] ? status : 'default';
    const documented = operation.responses?.[key];
    if (!documented) return [`${method} ${template.path} does not document ${status}`];
    const problems: string[] = [];
    for (const [header, spec] of Object.entries(documented.headers ?? {}))
      if ((spec as { required?: boolean }).required && !response.headers.has(header))
        problems.push(`${method} ${template.path} ${status}: header ${header} missing`);
    if (response.text === '') {
      if (
        documented.content &&
        Object.keys(documented.content).length > 0 &&
        response.status !== 304
      )
        problems.push(`${method} ${template.path} ${status}: empty body, content documented`);
      return problems;
    }
    const contentType = (response.headers.get('Content-Type') ?? '').split(';')[0]?.trim() ?? '';
    if (!documented.content?.[contentType])
      return [...problems, `${method} ${template.path} ${status}: ${contentType} not documented`];
    if (!contentType.endsWith('json')) return problems;
    const ref = `openapi#/${pointer('paths', template.path, method.toLowerCase(), 'responses', key, 'content', contentType, 'schema')}`;
    const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
    if (!validate(response.json))
      problems.push(
        `${method} ${template.path} ${status}: ${ajv.errorsText(validate.errors, { separator: '; ' })}`,
      );
    return problems;
  };
  return { check, ajv };
};

type Checker = ReturnType<typeof createOpenApiChecker>;
const checked = new WeakMap<AnyApp, Promise<Checker>>();

/**
 * From now on every `call(app, …)` response is checked against the app's own `/openapi.json` (the test fails on the
 * first response the document does not describe).
 */
export const checkResponsesAgainstOpenApi = (app: AnyApp): void => {
  if (checked.has(app)) return;
  checked.set(
    app,
    Promise.resolve(app.request('/openapi.json'))
      .then((response) => response.json())
      .then((document) => createOpenApiChecker(document as OpenApiDocument)),
  );
};

/** The OpenAPI problems of a response, when its app is checked (none otherwise). */
export const openApiProblems = async (
  app: AnyApp,
  method: string,
  url: string,
  response: ApiResponse,
): Promise<string[]> => {
  const checker = checked.get(app);
  return checker ? (await checker).check(method, url, response) : [];
};
