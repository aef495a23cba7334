import { err, type Result } from 'neverthrow';
import type { OrderCommand } from './order.commands.js';
import {
  invalidTransition,
  notEditable,
  type OrderError,
  onHold,
  orderNotFound,
} from './order.errors.js';
import type { OrderEvent } from './order.events.js';
import type { DraftOrder, Order, OrderState } from './order.state.js';

/** What `decide` answers: the events a command causes, or why it is refused. */
export type Decision = Result<OrderEvent[], OrderError>;

/** Options of the decider that a deployment sets, never a client (spec §6: `OMS_CONFIRM_REQUIRES_PAYMENT`). */
export interface DecideOptions {
  /** A confirm of an order not yet paid places an `AWAITING_PAYMENT` hold instead of confirming. */
  readonly confirmRequiresPayment?: boolean;
}

export const COMMAND_ACTIONS = {
  CreateOrder: 'create',
  AddLine: 'add a line to',
  RemoveLine: 'remove a line from',
  ChangeLineQuantity: 'change a line quantity of',
  ChangeShippingAddress: 'change the shipping address of',
  ConfirmOrder: 'confirm',
  CancelOrder: 'cancel',
  ShipOrder: 'ship',
  MarkUnfulfillable: 'mark unfulfillable',
  DeliverOrder: 'deliver',
  CompleteOrder: 'complete',
  PlaceHold: 'place a hold on',
  ReleaseHold: 'release a hold of',
  RecordPayment: 'record a payment for',
} as const satisfies Record<OrderCommand['type'], string>;

export const mixedCurrencies = (
  currencies: Iterable<string>,
  what = 'every line must use one currency',
): OrderError => {
  const list = [...new Set(currencies)].sort();
  return {
    code: 'mixed-currencies',
    message: `${what}, got ${list.join(', ')}`,
    currencies: list,
  };
};

/** Draft edits: only a DRAFT is editable; anything else is `order-not-editable`. Holds do not block them. */
export const whenDraft = (
  command: OrderCommand,
  state: OrderState,
  decideDraft: (order: DraftOrder) => Decision,
): Decision => {
  if (state.status === 'NONE') return err(orderNotFound(command.data.orderId));
  if (state.status !== 'DRAFT')
    return err(notEditable(state.status, COMMAND_ACTIONS[command.type]));
  return decideDraft(state);
};

/** Lifecycle commands: allowed only from the listed statuses. */
export const whenIn = <S extends Order['status']>(
  command: OrderCommand,
  state: OrderState,
  allowed: readonly S[],
  decideIn: (order: Extract<Order, { status: S }>) => Decision,
): Decision => {
  if (state.status === 'NONE') return err(orderNotFound(command.data.orderId));
  if (!(allowed as readonly string[]).includes(state.status))
    return err(invalidTransition(state.status, COMMAND_ACTIONS[command.type]));
  return decideIn(state as Extract<Order, { status: S }>);
};

/** Confirm, ship and mark-unfulfillable: allowed only from the listed statuses, and only with no active hold. */
export const whenInAndNotHeld = <S extends Order['status']>(
  command: OrderCommand,
  state: OrderState,
  allowed: readonly S[],
  decideIn: (order: Extract<Order, { status: S }>) => Decision,
): Decision =>
  whenIn(command, state, allowed, (order) =>
    order.holds.length > 0
      ? err(onHold(order.holds, COMMAND_ACTIONS[command.type]))
      : decideIn(order),
  );

export const findLine = (order: Order, lineId: string) =>
  order.lines.find((line) => line.lineId === lineId);
