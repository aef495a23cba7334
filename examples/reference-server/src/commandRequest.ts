import {
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

export interface CommandTarget {
  readonly orderId?: string;
  readonly lineId?: string;
  /** ReleaseHold: the hold to release. */
  readonly holdId?: string;
}

const isCommandType = (type: string): type is OrderCommandType =>
  Object.hasOwn(ORDER_INPUT_SCHEMAS, type);

const missing = (path: string): OrderError =>
  validationFailed([{ path, message: 'a UUID is required' }]);

/**
 * An operator's command (type, order, line, JSON input) as the domain's request, validated by the same input
 * schemas as the HTTP API. The CLI only translates: the write path is `executeOrderRequest`.
 */
export const toOrderRequest = (
  type: string,
  target: CommandTarget,
  body: unknown,
): Result<OrderRequest, OrderError> => {
  if (!isCommandType(type))
    return err(
      validationFailed([
        { path: 'command', message: `one of ${Object.keys(ORDER_INPUT_SCHEMAS).join(', ')}` },
      ]),
    );
  const unstorable = unstorableTextErrors(body);
  if (unstorable.length > 0) return err(validationFailed(unstorable));
  const { orderId, lineId } = target;
  if (type !== 'CreateOrder' && (orderId === undefined || !isUuid(orderId)))
    return err(missing('order'));
  const order = orderId ?? '';
  if ((type === 'RemoveLine' || type === 'ChangeLineQuantity') && lineId === undefined)
    return err(missing('line'));
  const line = lineId ?? '';
  if (type === 'ReleaseHold' && (target.holdId === undefined || target.holdId.trim() === ''))
    return err(validationFailed([{ path: 'hold', message: 'a hold id is required' }]));
  switch (type) {
    case 'CreateOrder':
      return parseInput(ORDER_INPUT_SCHEMAS.CreateOrder, body).map((value) => ({
        type,
        input: value,
      }));
    case 'AddLine':
      return parseInput(ORDER_INPUT_SCHEMAS.AddLine, body).map((value) => ({
        type,
        orderId: order,
        input: value,
      }));
    case 'RemoveLine':
      return ok({ type, orderId: order, lineId: line });
    case 'ChangeLineQuantity':
      return parseInput(ORDER_INPUT_SCHEMAS.ChangeLineQuantity, body).map((value) => ({
        type,
        orderId: order,
        lineId: line,
        input: value,
      }));
    case 'ChangeShippingAddress':
      return parseInput(ORDER_INPUT_SCHEMAS.ChangeShippingAddress, body).map((value) => ({
        type,
        orderId: order,
        input: value,
      }));
    case 'ConfirmOrder':
    case 'CompleteOrder':
      return ok({ type, orderId: order });
    case 'CancelOrder':
      return parseInput(ORDER_INPUT_SCHEMAS.CancelOrder, body).map((value) => ({
        type,
        orderId: order,
        input: value,
      }));
    case 'ShipOrder':
      return parseInput(ORDER_INPUT_SCHEMAS.ShipOrder, body).map((value) => ({
        type,
        orderId: order,
        input: value,
      }));
    case 'MarkUnfulfillable':
      return parseInput(ORDER_INPUT_SCHEMAS.MarkUnfulfillable, body).map((value) => ({
        type,
        orderId: order,
        input: value,
      }));
    case 'DeliverOrder':
      return parseInput(ORDER_INPUT_SCHEMAS.DeliverOrder, body).map((value) => ({
        type,
        orderId: order,
        input: value,
      }));
    case 'PlaceHold':
      return parseInput(ORDER_INPUT_SCHEMAS.PlaceHold, body).map((value) => ({
        type,
        orderId: order,
        input: value,
      }));
    case 'ReleaseHold':
      return ok({ type, orderId: order, holdId: target.holdId ?? '' });
    case 'RecordPayment':
      return parseInput(ORDER_INPUT_SCHEMAS.RecordPayment, body).map((value) => ({
        type,
        orderId: order,
        input: value,
      }));
    default: {
      const unhandled: never = type;
      return unhandled;
    }
  }
};
