import { err, ok } from 'neverthrow';
import type { OrderCommandOf } from './order.commands.js';
import { releaseAll } from './order.decide.holds.js';
import { lineNotFound } from './order.errors.js';
import { type Decision, findLine, whenIn, whenInAndNotHeld } from './order.guards.js';
import { type OrderState, remainingToShip } from './order.state.js';

export const cancelOrder = (command: OrderCommandOf<'CancelOrder'>, state: OrderState): Decision =>
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

export const shipOrder = (command: OrderCommandOf<'ShipOrder'>, state: OrderState): Decision => {
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

export const markUnfulfillable = (
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

export const deliverOrder = (
  command: OrderCommandOf<'DeliverOrder'>,
  state: OrderState,
): Decision =>
  whenIn(command, state, ['SHIPPED'], (order) =>
    ok([
      {
        type: 'order.delivered',
        data: { orderId: order.id, deliveredAt: command.data.deliveredAt ?? command.metadata.now },
      },
    ]),
  );

export const completeOrder = (
  command: OrderCommandOf<'CompleteOrder'>,
  state: OrderState,
): Decision =>
  whenIn(command, state, ['DELIVERED'], (order) =>
    ok([
      { type: 'order.completed', data: { orderId: order.id, completedAt: command.metadata.now } },
    ]),
  );
