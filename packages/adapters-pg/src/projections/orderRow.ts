import type { OrderSummary, OrderView } from '@oms/domain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Order ids are UUIDs, and so is the read model's `id` column. */
export const isUuid = (value: string): boolean => UUID.test(value);

/** The compact read-model row of an order (migration 10): what listing filters, sorts and shows. */
export interface OrderRow {
  readonly id: string;
  readonly status: string;
  readonly channel: string;
  readonly payment_status: string;
  readonly on_hold: boolean;
  /** Lowercase: the listing filter's form. */
  readonly customer_email: string;
  /** The address as written, only when it is not already lowercase. */
  readonly customer_email_as_given: string | null;
  readonly created_at: string;
  readonly updated_at: string;
  readonly version: number;
  readonly line_count: number;
  readonly order_total: string;
  readonly currency_code: string;
  readonly external_id: string | null;
}

/** The row as read back (timestamps are Dates). */
export type StoredOrderRow = Omit<OrderRow, 'created_at' | 'updated_at'> & {
  readonly created_at: Date;
  readonly updated_at: Date;
};

/** The columns a listing reads, in the order of OrderRow's summary fields. */
export const SUMMARY_COLUMNS =
  'id, status, channel, customer_email, customer_email_as_given, created_at, updated_at, version, line_count, order_total, currency_code, external_id';

/** Spec §6 fields, read when the view has them: the payment status, and whether any hold is still active. */
const paymentStatusOf = (view: OrderView): string => {
  const value = (view as { paymentStatus?: unknown }).paymentStatus;
  return typeof value === 'string' ? value : 'PENDING';
};

const onHoldOf = (view: OrderView): boolean => {
  const holds = (view as { holds?: unknown }).holds;
  return (
    Array.isArray(holds) &&
    holds.some(
      (hold) =>
        typeof hold === 'object' &&
        hold !== null &&
        (hold as { releasedAt?: unknown }).releasedAt == null,
    )
  );
};

export const toOrderRow = (view: OrderView): OrderRow => {
  const email = view.customer.email.toLowerCase();
  return {
    id: view.id,
    status: view.status,
    channel: view.channel,
    payment_status: paymentStatusOf(view),
    on_hold: onHoldOf(view),
    customer_email: email,
    customer_email_as_given: view.customer.email === email ? null : view.customer.email,
    created_at: view.createdAt,
    updated_at: view.updatedAt,
    version: view.version,
    line_count: view.lines.length,
    order_total: view.orderTotal.amount,
    currency_code: view.orderTotal.currencyCode,
    external_id: view.externalId,
  };
};

export const toOrderSummaryFromRow = (row: StoredOrderRow): OrderSummary => ({
  id: row.id,
  status: row.status as OrderSummary['status'],
  channel: row.channel as OrderSummary['channel'],
  externalId: row.external_id,
  customerEmail: row.customer_email_as_given ?? row.customer_email,
  orderTotal: { amount: row.order_total, currencyCode: row.currency_code },
  lineCount: row.line_count,
  version: row.version,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});
