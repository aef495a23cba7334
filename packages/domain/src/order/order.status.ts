export const ORDER_STATUSES = [
  'DRAFT',
  'CONFIRMED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'DELIVERED',
  'COMPLETED',
  'CANCELLED',
  'UNFULFILLABLE',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'CANCELLED',
  'UNFULFILLABLE',
  'COMPLETED',
]);

export const CHANNELS = ['ECOMMERCE', 'MARKETPLACE', 'B2B', 'DIRECT'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Why an order was cancelled, as a code (stored in `order.cancelled` since schema version 2); `other` by default. */
export const CANCELLATION_REASON_CODES = [
  'customer-request',
  'payment-failed',
  'fraud-suspected',
  'out-of-stock',
  'duplicate',
  'other',
] as const;
export type CancellationReasonCode = (typeof CANCELLATION_REASON_CODES)[number];
