import type { Money } from '../shared/money.js';
import type { Address, Customer } from '../shared/schemas.js';
import type { Hold } from './order.holds.js';
import type { Payment, PaymentStatus } from './order.payments.js';
import type { CancellationReasonCode, Channel } from './order.status.js';
import type { UnknownEvent } from './order.upcast.js';

export type { OrderStatus } from './order.status.js';

export interface OrderLine {
  readonly lineId: string;
  readonly sku: string;
  readonly productName: string;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly lineTotal: Money;
  readonly shippedQuantity: number;
}

export interface Shipment {
  readonly shipmentId: string;
  readonly carrier?: string;
  readonly trackingNumber?: string;
  readonly lines: readonly { readonly lineId: string; readonly quantity: number }[];
  readonly shippedAt: string;
}

/** What every created order has, whatever its status. */
export interface OrderData {
  readonly id: string;
  readonly channel: Channel;
  readonly externalId?: string;
  readonly customer: Customer;
  readonly shippingAddress: Address;
  readonly billingAddress: Address;
  readonly lines: readonly OrderLine[];
  readonly currencyCode: string;
  readonly orderTotal: Money;
  readonly placedAt: string;
  readonly shipments: readonly Shipment[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Spec §6: from `payments` (`paymentStatusOf`); `PENDING` without any. */
  readonly paymentStatus: PaymentStatus;
  readonly payments: readonly Payment[];
  /** The active holds, oldest first. */
  readonly holds: readonly Hold[];
  /** Ids of holds placed and released since: placing one again is a no-op, releasing it again too. */
  readonly releasedHoldIds: readonly string[];
  readonly version: number;
  readonly createdAt: string;
  /**
   * Stored events this version could not read (written by a newer replica), skipped by the fold but counted in
   * `version`. While there are any, `decide` refuses every command with `unknown-event` rather than decide on a
   * state it does not fully know.
   */
  readonly unknownEvents?: readonly UnknownEvent[];
  readonly updatedAt: string;
}

export interface Confirmed {
  readonly confirmedAt: string;
}

export type NoOrder = {
  readonly status: 'NONE';
  /** 0, unless events this version cannot read were skipped (see `OrderData.unknownEvents`). */
  readonly version: number;
  readonly unknownEvents?: readonly UnknownEvent[];
};
export type DraftOrder = OrderData & { readonly status: 'DRAFT' };
export type ConfirmedOrder = OrderData & Confirmed & { readonly status: 'CONFIRMED' };
export type PartiallyShippedOrder = OrderData &
  Confirmed & { readonly status: 'PARTIALLY_SHIPPED' };
export type ShippedOrder = OrderData & Confirmed & { readonly status: 'SHIPPED' };
export type DeliveredOrder = OrderData &
  Confirmed & { readonly status: 'DELIVERED'; readonly deliveredAt: string };
export type CompletedOrder = OrderData &
  Confirmed & {
    readonly status: 'COMPLETED';
    readonly deliveredAt: string;
    readonly completedAt: string;
  };
export type CancelledOrder = OrderData & {
  readonly status: 'CANCELLED';
  readonly confirmedAt?: string;
  readonly cancelledAt: string;
  readonly cancellationReason: string;
  readonly cancellationReasonCode: CancellationReasonCode;
};
export type UnfulfillableOrder = OrderData &
  Confirmed & {
    readonly status: 'UNFULFILLABLE';
    readonly unfulfillableAt: string;
    readonly unfulfillableReason: string;
  };

export type Order =
  | DraftOrder
  | ConfirmedOrder
  | PartiallyShippedOrder
  | ShippedOrder
  | DeliveredOrder
  | CompletedOrder
  | CancelledOrder
  | UnfulfillableOrder;

/** The fold of an order's events: no order yet, or an order in one of its statuses. */
export type OrderState = NoOrder | Order;

export const initialState = (): OrderState => ({ status: 'NONE', version: 0 });

export const isOrder = (state: OrderState): state is Order => state.status !== 'NONE';

export const remainingToShip = (line: OrderLine): number => line.quantity - line.shippedQuantity;
