import { err, ok } from 'neverthrow';
import type { OrderCommandOf } from './order.commands.js';
import { paymentEvents } from './order.decide.holds.js';
import { invalidTransition, lineNotFound } from './order.errors.js';
import type { OrderEvent, StoredLine } from './order.events.js';
import { fold } from './order.evolve.js';
import {
  COMMAND_ACTIONS,
  type Decision,
  findLine,
  mixedCurrencies,
  whenDraft,
} from './order.guards.js';
import type { OrderState } from './order.state.js';

const toStoredLine = (line: OrderCommandOf<'AddLine'>['data']['line']): StoredLine => ({
  lineId: line.lineId,
  sku: line.sku,
  productName: line.productName,
  quantity: line.quantity,
  unitPrice: { amount: line.unitPrice.amount, currencyCode: line.unitPrice.currencyCode },
});

export const createOrder = (
  command: OrderCommandOf<'CreateOrder'>,
  state: OrderState,
): Decision => {
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

export const addLine = (command: OrderCommandOf<'AddLine'>, state: OrderState): Decision =>
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

export const removeLine = (command: OrderCommandOf<'RemoveLine'>, state: OrderState): Decision =>
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

export const changeLineQuantity = (
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

export const changeShippingAddress = (
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
