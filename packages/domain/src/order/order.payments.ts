import { sumAmounts } from '../shared/amounts.js';
import type { Money } from '../shared/money.js';

/** The payment status of an order (spec §6), orthogonal to its lifecycle status. */
export const PAYMENT_STATUSES = ['PENDING', 'AUTHORIZED', 'CAPTURED', 'FAILED', 'VOIDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** What a recorded payment can say; `PENDING` is only the absence of any. */
export const RECORDED_PAYMENT_STATUSES = ['AUTHORIZED', 'CAPTURED', 'FAILED', 'VOIDED'] as const;
export type RecordedPaymentStatus = (typeof RECORDED_PAYMENT_STATUSES)[number];

/** What a create may carry: a checkout that already authorized or captured. */
export const CREATE_PAYMENT_STATUSES = ['AUTHORIZED', 'CAPTURED'] as const;

/** One payment of an order, as its latest record left it (one entry per `paymentId`). */
export interface Payment {
  readonly paymentId: string;
  readonly amount: Money;
  readonly provider?: string;
  readonly status: RecordedPaymentStatus;
  readonly at: string;
}

const COVERING: ReadonlySet<RecordedPaymentStatus> = new Set(['AUTHORIZED', 'CAPTURED']);

/** Whether a payment status lets the order go ahead (confirm under `OMS_CONFIRM_REQUIRES_PAYMENT`). */
export const isPaid = (status: PaymentStatus): boolean =>
  status === 'AUTHORIZED' || status === 'CAPTURED';

/** The amount authorized or captured over all payments: never above the order total (`decide` refuses that). */
export const coveredAmount = (payments: readonly Payment[]): string =>
  sumAmounts(
    payments.filter((payment) => COVERING.has(payment.status)).map((p) => p.amount.amount),
  );

/**
 * The order's payment status from its payments: `CAPTURED` when every authorized payment is captured,
 * `AUTHORIZED` while any is authorized (partly captured included), else the status of the latest record (`FAILED`,
 * `VOIDED`), `PENDING` without any.
 */
export const paymentStatusOf = (payments: readonly Payment[]): PaymentStatus => {
  const covering = payments.filter((payment) => COVERING.has(payment.status));
  if (covering.length > 0)
    return covering.every((payment) => payment.status === 'CAPTURED') ? 'CAPTURED' : 'AUTHORIZED';
  const latest = payments.reduce<Payment | undefined>(
    (last, payment) => (last === undefined || payment.at >= last.at ? payment : last),
    undefined,
  );
  return latest?.status ?? 'PENDING';
};
