import type { Queryable } from '../pool.js';

// The shapes of @oms/http-hono's ShopifyInbox port, repeated structurally: this package does not depend on it.
export interface PgShopifyDeliveryIds {
  readonly webhookId?: string;
  readonly eventId?: string;
}

export interface PgShopifyDeliveryRecord extends PgShopifyDeliveryIds {
  readonly topic: string;
  readonly shopifyOrderId?: string;
  readonly outcome: 'processed' | 'parked';
  readonly reason?: string;
  readonly payload?: Uint8Array;
}

export interface PgParkedShopifyDelivery extends PgShopifyDeliveryIds {
  readonly topic: string;
  readonly shopifyOrderId?: string;
  readonly reason: string;
  readonly payload: string;
  readonly receivedAt: Date;
}

export interface PgShopifyInbox {
  seen(ids: PgShopifyDeliveryIds): Promise<boolean>;
  record(delivery: PgShopifyDeliveryRecord): Promise<void>;
  createParked(shopifyOrderId: string): Promise<boolean>;
  parked(options?: { readonly limit?: number }): Promise<PgParkedShopifyDelivery[]>;
}

interface ParkedRow {
  webhook_id: string | null;
  event_id: string | null;
  topic: string;
  shopify_order_id: string | null;
  reason: string | null;
  payload: Buffer | null;
  received_at: Date;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** PostgreSQL can store neither U+0000 nor lone surrogates in text: both become U+FFFD. */
const storable = (text: string): string =>
  text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');

/** The Shopify webhook's delivery log in `oms_shopify_deliveries` (migration 5): duplicates and parked payloads. */
export const createPgShopifyInbox = (db: Queryable): PgShopifyInbox => ({
  seen: async ({ webhookId, eventId }) => {
    if (webhookId === undefined && eventId === undefined) return false;
    const result = await db.query(
      `SELECT 1 FROM oms_shopify_deliveries
        WHERE ($1::text IS NOT NULL AND webhook_id = $1) OR ($2::text IS NOT NULL AND event_id = $2)
        LIMIT 1`,
      [webhookId ?? null, eventId ?? null],
    );
    return (result.rowCount ?? 0) > 0;
  },
  record: async (delivery) => {
    await db.query(
      `INSERT INTO oms_shopify_deliveries
         (webhook_id, event_id, topic, shopify_order_id, outcome, reason, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (webhook_id) WHERE webhook_id IS NOT NULL DO NOTHING`,
      [
        delivery.webhookId === undefined ? null : storable(delivery.webhookId),
        delivery.eventId === undefined ? null : storable(delivery.eventId),
        storable(delivery.topic),
        delivery.shopifyOrderId ?? null,
        delivery.outcome,
        delivery.reason === undefined ? null : storable(delivery.reason),
        delivery.payload === undefined ? null : Buffer.from(delivery.payload),
      ],
    );
  },
  createParked: async (shopifyOrderId) => {
    const result = await db.query(
      `SELECT 1 FROM oms_shopify_deliveries
        WHERE shopify_order_id = $1 AND outcome = 'parked' AND topic = 'orders/create' LIMIT 1`,
      [shopifyOrderId],
    );
    return (result.rowCount ?? 0) > 0;
  },
  parked: async ({ limit = 100 } = {}) => {
    const result = await db.query<ParkedRow>(
      `SELECT webhook_id, event_id, topic, shopify_order_id, reason, payload, received_at
         FROM oms_shopify_deliveries WHERE outcome = 'parked' ORDER BY id DESC LIMIT $1`,
      [Math.max(1, Math.min(limit, 10_000))],
    );
    return result.rows.map((row) => ({
      ...(row.webhook_id !== null ? { webhookId: row.webhook_id } : {}),
      ...(row.event_id !== null ? { eventId: row.event_id } : {}),
      topic: row.topic,
      ...(row.shopify_order_id !== null ? { shopifyOrderId: row.shopify_order_id } : {}),
      reason: row.reason ?? '',
      payload: row.payload ? row.payload.toString('utf8') : '',
      receivedAt: row.received_at,
    }));
  },
});
