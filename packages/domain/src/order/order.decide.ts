import { err, ok } from 'neverthrow';
import { DECIMAL_AMOUNT } from '../shared/money.js';
import { type OrderCommand, type OrderCommandOf, parseCommand } from './order.commands.js';
import {
  confirmOrder,
  paymentEvents,
  paymentsFit,
  placeHold,
  recordPayment,
  releaseAll,
  releaseHold,
} from './order.decide.holds.js';
import {
  type FieldError,
  invalidTransition,
  lineNotFound,
  unknownEvent,
  validationFailed,
} from './order.errors.js';
import type { OrderEvent, StoredLine } from './order.events.js';
import { fold } from './order.evolve.js';
import {
  COMMAND_ACTIONS,
  type DecideOptions,
  type Decision,
  findLine,
  mixedCurrencies,
  whenDraft,
  whenIn,
  whenInAndNotHeld,
} from './order.guards.js';
import { type OrderState, remainingToShip } from './order.state.js';
import { TERMINAL_STATUSES } from './order.status.js';

export { COMMAND_ACTIONS, type DecideOptions } from './order.guards.js';

const toStoredLine = (line: OrderCommandOf<'AddLine'>['data']['line']): StoredLine => ({
  lineId: line.lineId,
  sku: line.sku,
  productName: line.productName,
  quantity: line.quantity,
  unitPrice: { amount: line.unitPrice.amount, currencyCode: line.unitPrice.currencyCode },
});

const createOrder = (command: OrderCommandOf<'CreateOrder'>, state: OrderState): Decision => {
  if (state.status !== 'NONE')
    return err(invalidTransition(state.status, COMMAND_ACTIONS.CreateOrder));
  const { data, metadata } = command;
  const currencies = new Set(data.lines.map((line) => line.unitPrice.currencyCode));
  if (data.currencyCode !== undefined) currencies.add(data.currencyCode.toUpperCase());
  const [currencyCode] = currencies;
  if (currencies.size !== 1 || currencyCode === undefined) return err(mixedCurrencies(currencies));
  const created: OrderEvent = {
    type: 'order.created',
    data: {
      orderId: data.orderId,
      channel: data.channel,
      ...(data.externalId === undefined ? {} : { externalId: data.externalId }),
      customer: data.customer,
      shippingAddress: data.shippingAddress,
      billingAddress: data.billingAddress ?? data.shippingAddress,
      lines: data.lines.map(toStoredLine),
      currencyCode,
      placedAt: data.placedAt ?? metadata.now,
      metadata: data.metadata ?? {},
      createdAt: metadata.now,
    },
  };
  if (data.payment === undefined) return ok([created]);
  const order = fold([created]);
  if (order.status === 'NONE') return ok([created]);
  return paymentEvents(order, data.payment, command).map((events) => [created, ...events]);
};

const addLine = (command: OrderCommandOf<'AddLine'>, state: OrderState): Decision =>
  whenDraft(command, state, (order) => {
    const { line } = command.data;
    if (line.unitPrice.currencyCode !== order.currencyCode)
      return err(mixedCurrencies([order.currencyCode, line.unitPrice.currencyCode]));
    if (findLine(order, line.lineId)) return ok([]);
    if (order.lines.length >= 500)
      return err({
        code: 'validation-failed',
        message: 'an order has at most 500 lines',
        errors: [{ path: 'lines', message: 'an order has at most 500 lines' }],
      });
    return ok([
      {
        type: 'order.line_added',
        data: { orderId: order.id, line: toStoredLine(line), addedAt: command.metadata.now },
      },
    ]);
  });

const removeLine = (command: OrderCommandOf<'RemoveLine'>, state: OrderState): Decision =>
  whenDraft(command, state, (order) => {
    const { lineId } = command.data;
    if (!findLine(order, lineId)) return err(lineNotFound(lineId));
    if (order.lines.length === 1)
      return err({
        code: 'last-line',
        message: 'an order keeps at least one line; cancel it instead',
        lineId,
      });
    return ok([
      {
        type: 'order.line_removed',
        data: { orderId: order.id, lineId, removedAt: command.metadata.now },
      },
    ]);
  });

const changeLineQuantity = (
  command: OrderCommandOf<'ChangeLineQuantity'>,
  state: OrderState,
): Decision =>
  whenDraft(command, state, (order) => {
    const { lineId, quantity } = command.data;
    const line = findLine(order, lineId);
    if (!line) return err(lineNotFound(lineId));
    if (line.quantity === quantity) return ok([]);
    return ok([
      {
        type: 'order.line_quantity_changed',
        data: {
          orderId: order.id,
          lineId,
          quantity,
          previousQuantity: line.quantity,
          changedAt: command.metadata.now,
        },
      },
    ]);
  });

const changeShippingAddress = (
  command: OrderCommandOf<'ChangeShippingAddress'>,
  state: OrderState,
): Decision =>
  whenDraft(command, state, (order) =>
    ok([
      {
        type: 'order.shipping_address_changed',
        data: {
          orderId: order.id,
          shippingAddress: command.data.shippingAddress,
          changedAt: command.metadata.now,
        },
      },
    ]),
  );

const cancelOrder = (command: OrderCommandOf<'CancelOrder'>, state: OrderState): Decision =>
  whenIn(command, state, ['DRAFT', 'CONFIRMED'], (order) =>
    ok([
      ...releaseAll(order, command),
      {
        type: 'order.cancelled',
        data: {
          orderId: order.id,
          reason: command.data.reason,
          reasonCode: command.data.reasonCode ?? 'other',
          previousStatus: order.status,
          cancelledAt: command.metadata.now,
        },
      },
    ]),
  );

const shipOrder = (command: OrderCommandOf<'ShipOrder'>, state: OrderState): Decision => {
  const { data } = command;
  if (
    state.status !== 'NONE' &&
    state.shipments.some((shipment) => shipment.shipmentId === data.shipmentId)
  )
    return ok([]);
  return whenInAndNotHeld(command, state, ['CONFIRMED', 'PARTIALLY_SHIPPED'], (order) => {
    const requested = new Map<string, number>();
    for (const item of data.lines ??
      order.lines.map((line) => ({ lineId: line.lineId, quantity: undefined }))) {
      const line = findLine(order, item.lineId);
      if (!line) return err(lineNotFound(item.lineId));
      const quantity = (requested.get(item.lineId) ?? 0) + (item.quantity ?? remainingToShip(line));
      if (quantity > remainingToShip(line))
        return err({
          code: 'over-shipment',
          message: `line ${line.lineId} has ${remainingToShip(line)} left to ship, ${quantity} requested`,
          lineId: line.lineId,
          requested: quantity,
          remaining: remainingToShip(line),
        });
      requested.set(item.lineId, quantity);
    }
    const lines = [...requested]
      .filter(([, quantity]) => quantity > 0)
      .map(([lineId, quantity]) => ({ lineId, quantity }));
    if (lines.length === 0)
      return err({
        code: 'validation-failed',
        message: 'the shipment ships nothing: every line named is already shipped',
        errors: [{ path: 'lines', message: 'nothing left to ship on these lines' }],
      });
    const everythingShipped = order.lines.every(
      (line) => remainingToShip(line) === (requested.get(line.lineId) ?? 0),
    );
    return ok([
      {
        type: 'order.shipped',
        data: {
          orderId: order.id,
          shipmentId: data.shipmentId,
          ...(data.carrier === undefined ? {} : { carrier: data.carrier }),
          ...(data.trackingNumber === undefined ? {} : { trackingNumber: data.trackingNumber }),
          lines,
          shippedAt: data.shippedAt ?? command.metadata.now,
          orderStatus: everythingShipped ? 'SHIPPED' : 'PARTIALLY_SHIPPED',
        },
      },
    ]);
  });
};

const markUnfulfillable = (
  command: OrderCommandOf<'MarkUnfulfillable'>,
  state: OrderState,
): Decision =>
  whenInAndNotHeld(command, state, ['CONFIRMED'], (order) =>
    ok([
      {
        type: 'order.marked_unfulfillable',
        data: {
          orderId: order.id,
          reason: command.data.reason,
          previousStatus: order.status,
          unfulfillableAt: command.data.unfulfillableAt ?? command.metadata.now,
        },
      },
    ]),
  );

const deliverOrder = (command: OrderCommandOf<'DeliverOrder'>, state: OrderState): Decision =>
  whenIn(command, state, ['SHIPPED'], (order) =>
    ok([
      {
        type: 'order.delivered',
        data: { orderId: order.id, deliveredAt: command.data.deliveredAt ?? command.metadata.now },
      },
    ]),
  );

const completeOrder = (command: OrderCommandOf<'CompleteOrder'>, state: OrderState): Decision =>
  whenIn(command, state, ['DELIVERED'], (order) =>
    ok([
      { type: 'order.completed', data: { orderId: order.id, completedAt: command.metadata.now } },
    ]),
  );

const decideParsed = (
  command: OrderCommand,
  state: OrderState,
  options: DecideOptions,
): Decision => {
  switch (command.type) {
    case 'CreateOrder':
      return createOrder(command, state);
    case 'AddLine':
      return addLine(command, state);
    case 'RemoveLine':
      return removeLine(command, state);
    case 'ChangeLineQuantity':
      return changeLineQuantity(command, state);
    case 'ChangeShippingAddress':
      return changeShippingAddress(command, state);
    case 'ConfirmOrder':
      return confirmOrder(command, state, options);
    case 'CancelOrder':
      return cancelOrder(command, state);
    case 'ShipOrder':
      return shipOrder(command, state);
    case 'MarkUnfulfillable':
      return markUnfulfillable(command, state);
    case 'DeliverOrder':
      return deliverOrder(command, state);
    case 'CompleteOrder':
      return completeOrder(command, state);
    case 'PlaceHold':
      return placeHold(command, state);
    case 'ReleaseHold':
      return releaseHold(command, state);
    case 'RecordPayment':
      return recordPayment(command, state);
    default: {
      const unhandled: never = command;
      return unhandled;
    }
  }
};

/**
 * The Money rules hold for totals too: a line or order total beyond 15 integer digits is refused, never stored
 * (quantity × unit price is exact, so fraction digits and sign follow from the parsed command).
 */
const totalsFit = (events: readonly OrderEvent[], state: OrderState): Decision => {
  if (!events.some((event) => CHANGES_LINES.has(event.type))) return ok([...events]);
  const after = fold(events, state);
  if (after.status === 'NONE') return ok([...events]);
  const problems: FieldError[] = after.lines.flatMap((line, index) =>
    DECIMAL_AMOUNT.test(line.lineTotal.amount)
      ? []
      : [{ path: `lines.${index}.lineTotal`, message: TOTAL_RULE }],
  );
  if (!DECIMAL_AMOUNT.test(after.orderTotal.amount))
    problems.push({ path: 'orderTotal', message: TOTAL_RULE });
  return problems.length > 0 ? err(validationFailed(problems)) : ok([...events]);
};
const CHANGES_LINES: ReadonlySet<string> = new Set([
  'order.created',
  'order.line_added',
  'order.line_quantity_changed',
]);
const TOTAL_RULE = 'the total would exceed 15 integer digits';

/**
 * Decides which events a command causes in a state. Pure: ids and time come in the command. The command is parsed
 * first (`parseCommand`, the same schemas as HTTP input), so every rule of spec §1–2 holds whoever built it; a
 * refusal is a Result (`validation-failed` listing every problem), never an exception. A state that skipped events
 * this version cannot read (see `evolveStored`) is refused with `unknown-event`: deciding on it could overwrite
 * what a newer version recorded.
 */
export const decide = (
  command: OrderCommand,
  state: OrderState,
  options: DecideOptions = {},
): Decision =>
  parseCommand(command).andThen((parsed) =>
    (state.unknownEvents !== undefined && state.unknownEvents.length > 0
      ? err(unknownEvent(parsed.data.orderId, state.unknownEvents))
      : decideParsed(parsed, state, options)
    )
      .andThen((events) => totalsFit(events, state))
      .andThen((events) => paymentsFit(events, state, parsed)),
  );

export const isTerminal = (state: OrderState): boolean =>
  state.status !== 'NONE' && TERMINAL_STATUSES.has(state.status);
