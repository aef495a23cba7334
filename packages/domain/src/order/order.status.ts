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
