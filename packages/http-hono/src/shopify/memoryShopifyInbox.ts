import type { ParkedShopifyDelivery, ShopifyDeliveryRecord, ShopifyInbox } from './shopifyInbox.js';

const text = new TextDecoder('utf-8');

/** A ShopifyInbox in process memory: the default of `createApp`, and the one of the in-memory test store. */
export const createInMemoryShopifyInbox = (): ShopifyInbox => {
  const deliveries: (ShopifyDeliveryRecord & { readonly receivedAt: Date })[] = [];
  return {
    seen: async ({ webhookId, eventId }) =>
      deliveries.some(
        (delivery) =>
          (webhookId !== undefined && delivery.webhookId === webhookId) ||
          (eventId !== undefined && delivery.eventId === eventId),
      ),
    record: async (delivery) => {
      if (
        delivery.webhookId !== undefined &&
        deliveries.some((known) => known.webhookId === delivery.webhookId)
      )
        return;
      deliveries.push({ ...delivery, receivedAt: new Date() });
    },
    createParked: async (shopifyOrderId) =>
      deliveries.some(
        (delivery) =>
          delivery.outcome === 'parked' &&
          delivery.topic === 'orders/create' &&
          delivery.shopifyOrderId === shopifyOrderId,
      ),
    parked: async ({ limit = 100 } = {}) =>
      deliveries
        .filter((delivery) => delivery.outcome === 'parked')
        .reverse()
        .slice(0, limit)
        .map(
          (delivery): ParkedShopifyDelivery => ({
            ...(delivery.webhookId !== undefined ? { webhookId: delivery.webhookId } : {}),
            ...(delivery.eventId !== undefined ? { eventId: delivery.eventId } : {}),
            topic: delivery.topic,
            ...(delivery.shopifyOrderId !== undefined
              ? { shopifyOrderId: delivery.shopifyOrderId }
              : {}),
            reason: delivery.reason ?? '',
            payload: text.decode(delivery.payload ?? new Uint8Array(0)),
            receivedAt: delivery.receivedAt,
          }),
        ),
  };
};
