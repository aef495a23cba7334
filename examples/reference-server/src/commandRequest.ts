import {
  isOrderCommandType,
  ORDER_INPUT_SCHEMAS,
  type OrderError,
  type OrderRequest,
  type OrderRequestTarget,
  toOrderRequest,
  validationFailed,
} from '@oms/domain';
import { err, type Result } from 'neverthrow';

/**
 * An operator's command (type, order, line, JSON input) as the domain's request: the domain's `toOrderRequest`, the
 * one the HTTP routes use, once the type named on the command line is known. The CLI only translates.
 */
export const commandRequest = (
  type: string,
  target: OrderRequestTarget,
  body: unknown,
): Result<OrderRequest, OrderError> =>
  isOrderCommandType(type)
    ? toOrderRequest(type, target, body)
    : err(
        validationFailed([
          { path: 'command', message: `one of ${Object.keys(ORDER_INPUT_SCHEMAS).join(', ')}` },
        ]),
      );
