/** Why an order is held (spec §6; Shopify's fulfillment hold reasons). */
export const HOLD_REASONS = [
  'AWAITING_PAYMENT',
  'HIGH_RISK_OF_FRAUD',
  'ADDRESS_VERIFICATION',
  'INVENTORY',
  'MANUAL',
] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** An active hold: while an order has any, it cannot be confirmed, shipped or marked unfulfillable. */
export interface Hold {
  readonly holdId: string;
  readonly reason: HoldReason;
  readonly note?: string;
  readonly placedAt: string;
  readonly placedBy: string;
}

/**
 * The id of the hold a confirm places under `confirmRequiresPayment` (one per order): a payment authorization
 * releases it and confirms the order. Released by hand, it waives the payment: the next confirm goes through.
 */
export const AWAITING_PAYMENT_HOLD_ID = 'awaiting-payment';

/** The id of the hold a HIGH risk assessment places unless the caller names one. */
export const HIGH_RISK_HOLD_ID = 'high-risk-of-fraud';

/** Who placed a hold when the command names no actor. */
export const SYSTEM_ACTOR = 'system';
