/** The delivery ids Shopify sends: `X-Shopify-Webhook-Id` (one delivery, the same on every retry) and
 * `X-Shopify-Event-Id` (one event, the same across subscriptions). */
export interface ShopifyDeliveryIds {
  readonly webhookId?: string;
  readonly eventId?: string;
}

export interface ShopifyDeliveryRecord extends ShopifyDeliveryIds {
  readonly topic: string;
  readonly shopifyOrderId?: string;
  /** `processed`: the order was created, cancelled or its payment recorded; `parked`: it could not be mapped and waits for a human. */
  readonly outcome: 'processed' | 'parked';
  /** Why it was parked. */
  readonly reason?: string;
  /** The raw body of a parked delivery, as received. */
  readonly payload?: Uint8Array;
}

export interface ParkedShopifyDelivery extends ShopifyDeliveryIds {
  readonly topic: string;
  readonly shopifyOrderId?: string;
  readonly reason: string;
  /** The body as text (invalid UTF-8 replaced). */
  readonly payload: string;
  readonly receivedAt: Date;
}

/**
 * Where the Shopify webhook remembers deliveries: the ones it processed (so a redelivery with the same webhook or
 * event id does nothing) and the ones it parked (answered 2xx, so Shopify stops retrying, and kept with the reason
 * for `pnpm oms shopify parked`). Implemented in memory here and in PostgreSQL by @oms/adapters-pg. A rejected
 * promise is an infrastructure failure: the webhook answers 503 and Shopify retries.
 */
export interface ShopifyInbox {
  /** Was a delivery with this webhook id or this event id already processed or parked? */
  seen(ids: ShopifyDeliveryIds): Promise<boolean>;
  record(delivery: ShopifyDeliveryRecord): Promise<void>;
  /** Was an `orders/create` of this Shopify order parked? (Its cancel and orders/paid are parked too instead of retried forever.) */
  createParked(shopifyOrderId: string): Promise<boolean>;
  /** Parked deliveries, newest first. */
  parked(options?: { readonly limit?: number }): Promise<ParkedShopifyDelivery[]>;
}
