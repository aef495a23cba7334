import type { Hold, HoldReason } from './order.holds.js';
import type { OrderStatus } from './order.state.js';
import type { UnknownEvent } from './order.upcast.js';

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export type OrderError =
  | {
      readonly code: 'validation-failed';
      readonly message: string;
      readonly errors: readonly FieldError[];
    }
  | {
      readonly code: 'invalid-state-transition';
      readonly message: string;
      readonly status: OrderStatus | 'NONE';
      readonly action: string;
    }
  | {
      readonly code: 'order-not-editable';
      readonly message: string;
      readonly status: OrderStatus;
      readonly action: string;
    }
  | { readonly code: 'line-not-found'; readonly message: string; readonly lineId: string }
  | { readonly code: 'last-line'; readonly message: string; readonly lineId: string }
  | {
      readonly code: 'over-shipment';
      readonly message: string;
      readonly lineId: string;
      readonly requested: number;
      readonly remaining: number;
    }
  | {
      readonly code: 'mixed-currencies';
      readonly message: string;
      readonly currencies: readonly string[];
    }
  | { readonly code: 'order-not-found'; readonly message: string; readonly orderId: string }
  | {
      /** Spec §6: an active hold blocks confirm, ship and mark-unfulfillable; the holds are named. */
      readonly code: 'order-on-hold';
      readonly message: string;
      readonly action: string;
      readonly holds: readonly { readonly holdId: string; readonly reason: HoldReason }[];
    }
  | { readonly code: 'hold-not-found'; readonly message: string; readonly holdId: string }
  | {
      /** The order holds events this version cannot read (a newer replica wrote them): nothing is decided on it. */
      readonly code: 'unknown-event';
      readonly message: string;
      readonly orderId: string;
      readonly events: readonly UnknownEvent[];
    }
  | {
      readonly code: 'concurrency-conflict';
      readonly message: string;
      readonly expectedVersion: number;
      readonly actualVersion?: number;
    };

export type OrderErrorCode = OrderError['code'];

export const ORDER_ERROR_CODES = [
  'validation-failed',
  'invalid-state-transition',
  'order-not-editable',
  'line-not-found',
  'last-line',
  'over-shipment',
  'mixed-currencies',
  'order-not-found',
  'order-on-hold',
  'hold-not-found',
  'unknown-event',
  'concurrency-conflict',
] as const satisfies readonly OrderErrorCode[];

export const validationFailed = (errors: readonly FieldError[]): OrderError => ({
  code: 'validation-failed',
  message:
    errors.length === 1
      ? `${errors[0]?.path || 'input'}: ${errors[0]?.message}`
      : `${errors.length} fields are invalid`,
  errors,
});

export const invalidTransition = (status: OrderStatus | 'NONE', action: string): OrderError => ({
  code: 'invalid-state-transition',
  message: `cannot ${action} an order in status ${status}`,
  status,
  action,
});

export const notEditable = (status: OrderStatus, action: string): OrderError => ({
  code: 'order-not-editable',
  message: `cannot ${action}: only a DRAFT order is editable, this one is ${status}`,
  status,
  action,
});

export const orderNotFound = (orderId: string): OrderError => ({
  code: 'order-not-found',
  message: `order ${orderId} does not exist`,
  orderId,
});

export const onHold = (holds: readonly Hold[], action: string): OrderError => ({
  code: 'order-on-hold',
  message: `cannot ${action} an order on hold (${holds
    .map((hold) => `${hold.holdId}: ${hold.reason}`)
    .join(', ')}); release the holds first`,
  action,
  holds: holds.map((hold) => ({ holdId: hold.holdId, reason: hold.reason })),
});

export const holdNotFound = (holdId: string): OrderError => ({
  code: 'hold-not-found',
  message: `hold ${holdId} was never placed on this order`,
  holdId,
});

export const lineNotFound = (lineId: string): OrderError => ({
  code: 'line-not-found',
  message: `line ${lineId} is not on this order`,
  lineId,
});

export const unknownEvent = (orderId: string, events: readonly UnknownEvent[]): OrderError => ({
  code: 'unknown-event',
  message: `order ${orderId} holds events this version cannot read (${events
    .map((event) => `${event.type} v${event.schemaVersion}`)
    .join(', ')}): a newer version wrote them; retry once every replica is upgraded`,
  orderId,
  events,
});

export const concurrencyConflict = (
  expectedVersion: number,
  actualVersion?: number,
): Extract<OrderError, { code: 'concurrency-conflict' }> => ({
  code: 'concurrency-conflict',
  message:
    actualVersion === undefined
      ? `the order is no longer at version ${expectedVersion}`
      : `expected version ${expectedVersion}, the order is at version ${actualVersion}`,
  expectedVersion,
  ...(actualVersion === undefined ? {} : { actualVersion }),
});
