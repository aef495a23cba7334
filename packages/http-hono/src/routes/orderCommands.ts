import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import {
  type FieldError,
  isUuid,
  ORDER_INPUT_SCHEMAS,
  type OrderCommandType,
  type OrderError,
  type OrderRequest,
  parseInput,
  unstorableTextErrors,
  validationFailed,
} from '@oms/domain';
import { err, ok, type Result } from 'neverthrow';
import { parseIdempotencyKey } from '../commands/headers.js';
import { runCommand } from '../commands/runCommand.js';
import type { AppEnv } from '../env.js';
import { jsonBody } from '../middleware/jsonBody.js';
import { unknownQueryErrors } from '../middleware/queryParams.js';
import { commandHeaders, orderResponse, problemResponses } from '../openapi/responses.js';
import { HoldParamsSchema, LineParamsSchema, OrderIdParamSchema } from '../openapi/schemas.js';
import { respondProblem } from '../problems/problem.js';
import type { AppRuntime } from '../runtime.js';
import { toHonoPath } from './paths.js';

interface Params {
  readonly orderId: string;
  readonly lineId: string;
  readonly holdId: string;
}

interface CommandRoute {
  readonly operationId: string;
  readonly method: 'post' | 'put' | 'patch' | 'delete';
  readonly path: string;
  readonly type: OrderCommandType;
  readonly summary: string;
  readonly body: 'required' | 'optional' | 'none';
  readonly build: (params: Params, body: unknown) => Result<OrderRequest, OrderError>;
}

/** The field errors of an error, or none. */
const errorsOf = (error: OrderError): readonly FieldError[] =>
  'errors' in error && Array.isArray(error.errors) ? error.errors : [];

/**
 * One command route: its input schema is the domain's, used both to validate and to document. Schema problems and
 * unstorable text (NUL, lone surrogates) are reported together, every one at once.
 */
const command = <T extends OrderCommandType>(
  spec: Omit<CommandRoute, 'build' | 'type'> & {
    readonly type: T;
    readonly toRequest: (
      params: Params,
      input: z.output<(typeof ORDER_INPUT_SCHEMAS)[T]>,
    ) => OrderRequest;
  },
): CommandRoute => ({
  ...spec,
  build: (params, body) => {
    const unstorable = unstorableTextErrors(body);
    return parseInput(ORDER_INPUT_SCHEMAS[spec.type], body)
      .mapErr((error): OrderError => {
        if (unstorable.length === 0 || error.code !== 'validation-failed') return error;
        const known = new Set(errorsOf(error).map((field) => field.path));
        return validationFailed([
          ...errorsOf(error),
          ...unstorable.filter((field) => !known.has(field.path)),
        ]);
      })
      .andThen(
        (input): Result<typeof input, OrderError> =>
          unstorable.length > 0 ? err(validationFailed(unstorable)) : ok(input),
      )
      .map((input) => spec.toRequest(params, input as z.output<(typeof ORDER_INPUT_SCHEMAS)[T]>));
  },
});

const ORDER = '/v1/orders/{orderId}';
const LINE = '/v1/orders/{orderId}/lines/{lineId}';
const HOLD = '/v1/orders/{orderId}/holds/{holdId}';

export const COMMAND_ROUTES: readonly CommandRoute[] = [
  command({
    operationId: 'createOrder',
    method: 'post',
    path: '/v1/orders',
    type: 'CreateOrder',
    summary: 'Create an order (DRAFT)',
    body: 'required',
    toRequest: (_params, input) => ({ type: 'CreateOrder', input }),
  }),
  command({
    operationId: 'addLine',
    method: 'post',
    path: `${ORDER}/lines`,
    type: 'AddLine',
    summary: 'Add a line to a draft',
    body: 'required',
    toRequest: ({ orderId }, input) => ({ type: 'AddLine', orderId, input }),
  }),
  command({
    operationId: 'changeLineQuantity',
    method: 'patch',
    path: LINE,
    type: 'ChangeLineQuantity',
    summary: "Change a draft line's quantity",
    body: 'required',
    toRequest: ({ orderId, lineId }, input) => ({
      type: 'ChangeLineQuantity',
      orderId,
      lineId,
      input,
    }),
  }),
  command({
    operationId: 'removeLine',
    method: 'delete',
    path: LINE,
    type: 'RemoveLine',
    summary: 'Remove a line from a draft (never the last one)',
    body: 'none',
    toRequest: ({ orderId, lineId }) => ({ type: 'RemoveLine', orderId, lineId }),
  }),
  command({
    operationId: 'changeShippingAddress',
    method: 'put',
    path: `${ORDER}/shipping-address`,
    type: 'ChangeShippingAddress',
    summary: "Replace a draft's shipping address",
    body: 'required',
    toRequest: ({ orderId }, input) => ({ type: 'ChangeShippingAddress', orderId, input }),
  }),
  command({
    operationId: 'confirmOrder',
    method: 'post',
    path: `${ORDER}/confirm`,
    type: 'ConfirmOrder',
    summary: 'Confirm a draft',
    body: 'optional',
    toRequest: ({ orderId }) => ({ type: 'ConfirmOrder', orderId }),
  }),
  command({
    operationId: 'cancelOrder',
    method: 'post',
    path: `${ORDER}/cancel`,
    type: 'CancelOrder',
    summary: 'Cancel a draft or a confirmed order',
    body: 'required',
    toRequest: ({ orderId }, input) => ({ type: 'CancelOrder', orderId, input }),
  }),
  command({
    operationId: 'shipOrder',
    method: 'post',
    path: `${ORDER}/ship`,
    type: 'ShipOrder',
    summary: 'Record a shipment (lines omitted: everything not yet shipped)',
    body: 'optional',
    toRequest: ({ orderId }, input) => ({ type: 'ShipOrder', orderId, input }),
  }),
  command({
    operationId: 'deliverOrder',
    method: 'post',
    path: `${ORDER}/deliver`,
    type: 'DeliverOrder',
    summary: 'Record delivery',
    body: 'optional',
    toRequest: ({ orderId }, input) => ({ type: 'DeliverOrder', orderId, input }),
  }),
  command({
    operationId: 'completeOrder',
    method: 'post',
    path: `${ORDER}/complete`,
    type: 'CompleteOrder',
    summary: 'Complete a delivered order',
    body: 'optional',
    toRequest: ({ orderId }) => ({ type: 'CompleteOrder', orderId }),
  }),
  command({
    operationId: 'markUnfulfillable',
    method: 'post',
    path: `${ORDER}/mark-unfulfillable`,
    type: 'MarkUnfulfillable',
    summary: 'Mark a confirmed order unfulfillable',
    body: 'required',
    toRequest: ({ orderId }, input) => ({ type: 'MarkUnfulfillable', orderId, input }),
  }),
  command({
    operationId: 'placeHold',
    method: 'post',
    path: `${ORDER}/holds`,
    type: 'PlaceHold',
    summary:
      'Place a hold (spec §6): confirm, ship and mark-unfulfillable are refused (409 order-on-hold) until released',
    body: 'required',
    toRequest: ({ orderId }, input) => ({ type: 'PlaceHold', orderId, input }),
  }),
  command({
    operationId: 'releaseHold',
    method: 'delete',
    path: HOLD,
    type: 'ReleaseHold',
    summary: 'Release a hold (404 hold-not-found if it was never placed)',
    body: 'none',
    toRequest: ({ orderId, holdId }) => ({ type: 'ReleaseHold', orderId, holdId }),
  }),
  command({
    operationId: 'recordPayment',
    method: 'post',
    path: `${ORDER}/payments`,
    type: 'RecordPayment',
    summary:
      'Record a payment (authorized, captured, failed, voided); an authorization releases AWAITING_PAYMENT holds',
    body: 'required',
    toRequest: ({ orderId }, input) => ({ type: 'RecordPayment', orderId, input }),
  }),
];

const documentRoute = (app: OpenAPIHono<AppEnv>, route: CommandRoute): void => {
  const created = route.type === 'CreateOrder';
  const params = route.path.includes('{lineId}')
    ? LineParamsSchema
    : route.path.includes('{holdId}')
      ? HoldParamsSchema
      : route.path.includes('{orderId}')
        ? OrderIdParamSchema
        : undefined;
  app.openAPIRegistry.registerPath(
    createRoute({
      method: route.method,
      path: route.path,
      operationId: route.operationId,
      summary: route.summary,
      tags: ['orders'],
      security: [{ bearerAuth: [] }],
      request: {
        ...(params ? { params } : {}),
        headers: commandHeaders(!created),
        ...(route.body === 'none'
          ? {}
          : {
              body: {
                required: route.body === 'required',
                content: { 'application/json': { schema: ORDER_INPUT_SCHEMAS[route.type] } },
              },
            }),
      },
      responses: {
        ...(created
          ? {
              201: orderResponse('Created; Location names the order', { created: true }),
              200: orderResponse('An idempotent replay of the create'),
            }
          : { 200: orderResponse('The order after the command') }),
        ...problemResponses(
          created
            ? [400, 401, 409, 413, 415, 422, 503]
            : [400, 401, 404, 409, 412, 413, 415, 422, 503],
        ),
      },
    }),
  );
};

/** The order commands of spec §4, documented from and validated by the domain's input schemas. */
export const registerOrderCommands = (app: OpenAPIHono<AppEnv>, runtime: AppRuntime): void => {
  for (const route of COMMAND_ROUTES) {
    documentRoute(app, route);
    app.on(route.method.toUpperCase(), toHonoPath(route.path), async (c) => {
      const orderId = c.req.param('orderId') ?? '';
      const lineId = c.req.param('lineId') ?? '';
      const holdId = c.req.param('holdId') ?? '';
      if (route.path.includes('{orderId}') && !isUuid(orderId))
        return respondProblem(c, {
          code: 'order-not-found',
          detail: `order ${orderId.slice(0, 100)} does not exist`,
        });
      let parsedBody: unknown = {};
      if (route.body !== 'none') {
        const read = jsonBody(c);
        if (read.isErr()) {
          runtime.metrics.commands.inc({ type: route.type, outcome: read.error.code });
          return respondProblem(c, read.error);
        }
        parsedBody = read.value;
      }
      // Every problem at once: the query, the Idempotency-Key header and the body's fields.
      const key = parseIdempotencyKey(c.req.header('Idempotency-Key'));
      const requestErrors: FieldError[] = [
        ...unknownQueryErrors(c, []),
        ...(key.isErr() ? [{ path: 'header.Idempotency-Key', message: key.error }] : []),
      ];
      const built = route.build({ orderId, lineId, holdId }, parsedBody);
      if (built.isErr() || requestErrors.length > 0) {
        const error = built.isErr() ? built.error : undefined;
        const outcome = error && requestErrors.length === 0 ? error.code : 'validation-failed';
        runtime.metrics.commands.inc({ type: route.type, outcome });
        if (error && requestErrors.length === 0) {
          const { code, message, ...rest } = error;
          return respondProblem(c, {
            code,
            detail: message,
            extensions: rest as Record<string, unknown>,
          });
        }
        const errors = [...requestErrors, ...(error ? errorsOf(error) : [])];
        if (error && errorsOf(error).length === 0)
          errors.push({ path: '', message: error.message });
        return respondProblem(c, {
          code: 'validation-failed',
          detail:
            errors.length === 1
              ? `${errors[0]?.path}: ${errors[0]?.message}`
              : `${errors.length} problems in the request`,
          extensions: { errors },
        });
      }
      return runCommand(c, runtime, {
        request: built.value,
        created: route.type === 'CreateOrder',
        idempotencyKeyHeader: key,
      });
    });
  }
};
