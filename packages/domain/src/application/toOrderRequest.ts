import { err, ok, type Result } from 'neverthrow';
import type { z } from 'zod';
import type { OrderCommandType } from '../order/order.commands.js';
import { type FieldError, type OrderError, validationFailed } from '../order/order.errors.js';
import { isUuid } from '../shared/ids.js';
import { unstorableTextErrors } from '../shared/textSafety.js';
import { fieldErrors } from '../shared/validation.js';
import { ORDER_INPUT_SCHEMAS, type OrderRequest } from './orderRequests.js';
import { markValidated } from './validatedRequests.js';

/** Which order (and line) a command addresses, as the entry point names them (URL path, CLI flags, message). */
export interface OrderRequestTarget {
  /** Required (a UUID) for every command but CreateOrder; a create given one creates that order. */
  readonly orderId?: string;
  /** Required for RemoveLine and ChangeLineQuantity. */
  readonly lineId?: string;
  /** Required for ReleaseHold: the hold to release. */
  readonly holdId?: string;
}

type InputOf<T extends OrderCommandType> = z.output<(typeof ORDER_INPUT_SCHEMAS)[T]>;
interface Target {
  readonly orderId: string;
  readonly lineId: string;
  readonly holdId: string;
}

/** How each command's request is put together from its target and its validated input. */
const BUILD: {
  readonly [T in OrderCommandType]: (target: Target, input: InputOf<T>) => OrderRequest;
} = {
  CreateOrder: ({ orderId }, input) => ({
    type: 'CreateOrder',
    ...(orderId ? { orderId } : {}),
    input,
  }),
  AddLine: ({ orderId }, input) => ({ type: 'AddLine', orderId, input }),
  RemoveLine: ({ orderId, lineId }) => ({ type: 'RemoveLine', orderId, lineId }),
  ChangeLineQuantity: ({ orderId, lineId }, input) => ({
    type: 'ChangeLineQuantity',
    orderId,
    lineId,
    input,
  }),
  ChangeShippingAddress: ({ orderId }, input) => ({
    type: 'ChangeShippingAddress',
    orderId,
    input,
  }),
  ConfirmOrder: ({ orderId }) => ({ type: 'ConfirmOrder', orderId }),
  CancelOrder: ({ orderId }, input) => ({ type: 'CancelOrder', orderId, input }),
  ShipOrder: ({ orderId }, input) => ({ type: 'ShipOrder', orderId, input }),
  MarkUnfulfillable: ({ orderId }, input) => ({ type: 'MarkUnfulfillable', orderId, input }),
  DeliverOrder: ({ orderId }, input) => ({ type: 'DeliverOrder', orderId, input }),
  CompleteOrder: ({ orderId }) => ({ type: 'CompleteOrder', orderId }),
  PlaceHold: ({ orderId }, input) => ({ type: 'PlaceHold', orderId, input }),
  ReleaseHold: ({ orderId, holdId }) => ({ type: 'ReleaseHold', orderId, holdId }),
  RecordPayment: ({ orderId }, input) => ({ type: 'RecordPayment', orderId, input }),
};

const LINE_COMMANDS: ReadonlySet<OrderCommandType> = new Set(['RemoveLine', 'ChangeLineQuantity']);

/** Is this the name of an order command? (for entry points that get the type as text: the CLI, messages) */
export const isOrderCommandType = (type: string): type is OrderCommandType =>
  Object.hasOwn(ORDER_INPUT_SCHEMAS, type);

const targetErrors = (type: OrderCommandType, { orderId, lineId, holdId }: OrderRequestTarget) => {
  const errors: FieldError[] = [];
  if (orderId !== undefined ? !isUuid(orderId) : type !== 'CreateOrder')
    errors.push({ path: 'orderId', message: 'a UUID is required' });
  if (LINE_COMMANDS.has(type) && !lineId)
    errors.push({ path: 'lineId', message: 'a line id is required' });
  if (type === 'ReleaseHold' && !holdId?.trim())
    errors.push({ path: 'holdId', message: 'a hold id is required' });
  return errors;
};

/**
 * One command of any entry point (the HTTP routes, the Shopify webhook, the CLI) as the domain's request: the target
 * checked, the input validated by the command's schema (`ORDER_INPUT_SCHEMAS`) and checked for text no store keeps
 * (NUL, lone surrogates). Every problem is reported at once, as one `validation-failed`. The input is validated here
 * once: the request comes back frozen and marked, and the write path decides it without parsing it again.
 */
export const toOrderRequest = (
  type: OrderCommandType,
  target: OrderRequestTarget,
  input: unknown,
): Result<OrderRequest, OrderError> => {
  const parsed = ORDER_INPUT_SCHEMAS[type].safeParse(input);
  const errors = targetErrors(type, target);
  if (!parsed.success) errors.push(...fieldErrors(parsed.error));
  const known = new Set(errors.map((error) => error.path));
  errors.push(...unstorableTextErrors(input).filter((error) => !known.has(error.path)));
  if (errors.length > 0 || !parsed.success) return err(validationFailed(errors));
  const build = BUILD[type] as (target: Target, input: unknown) => OrderRequest;
  return ok(
    markValidated(
      build(
        { orderId: target.orderId ?? '', lineId: target.lineId ?? '', holdId: target.holdId ?? '' },
        parsed.data,
      ),
    ),
  );
};
