import { HIGH_RISK_HOLD_ID } from '../order/order.holds.js';
import type { RecordedPaymentStatus } from '../order/order.payments.js';
import type { OrderRequest } from './orderRequests.js';

/** A payment as an integration reports it (spec §6 inbound `oms.payments.*`, Shopify `orders/paid`). */
export interface ReportedPayment {
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: { readonly amount: string | number; readonly currencyCode: string };
  readonly provider?: string;
  readonly status: RecordedPaymentStatus;
}

/**
 * The request that records a reported payment. Run through `executeOrderRequest`, an `AUTHORIZED` or `CAPTURED`
 * payment also releases the order's `AWAITING_PAYMENT` holds and confirms an order a confirm put on hold for it.
 */
export const recordPaymentRequest = (payment: ReportedPayment): OrderRequest => ({
  type: 'RecordPayment',
  orderId: payment.orderId,
  input: {
    paymentId: payment.paymentId,
    amount: { amount: String(payment.amount.amount), currencyCode: payment.amount.currencyCode },
    ...(payment.provider === undefined ? {} : { provider: payment.provider }),
    status: payment.status,
  },
});

export const RISK_LEVELS = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface RiskAssessment {
  readonly orderId: string;
  readonly riskLevel: RiskLevel;
  readonly reason?: string;
  /** Default `HIGH_RISK_HOLD_ID`: one fraud hold per order, a repeated HIGH assessment a no-op. */
  readonly holdId?: string;
}

/** Spec §6: a HIGH assessment places a `HIGH_RISK_OF_FRAUD` hold; LOW and MEDIUM ask for nothing. */
export const riskAssessmentRequest = (assessment: RiskAssessment): OrderRequest | undefined =>
  assessment.riskLevel === 'HIGH'
    ? {
        type: 'PlaceHold',
        orderId: assessment.orderId,
        input: {
          reason: 'HIGH_RISK_OF_FRAUD',
          holdId: assessment.holdId ?? HIGH_RISK_HOLD_ID,
          ...(assessment.reason === undefined
            ? {}
            : { note: assessment.reason.trim().slice(0, 500) || 'risk assessed HIGH' }),
        },
      }
    : undefined;
