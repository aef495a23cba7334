import { createInMemoryOrderStore } from '@oms/domain/testing';
import { createInMemoryShopifyInbox } from './shopify/memoryShopifyInbox.js';
import { shopifyPaymentScenarios } from './testing/shopifyPaymentScenarios.js';
import { shopifyScenarios } from './testing/shopifyScenarios.js';

shopifyScenarios('Shopify webhook on the in-memory store', async () => ({
  ...createInMemoryOrderStore(),
  shopifyInbox: createInMemoryShopifyInbox(),
}));

shopifyPaymentScenarios('Shopify payments on the in-memory store', async () => ({
  ...createInMemoryOrderStore(),
  shopifyInbox: createInMemoryShopifyInbox(),
}));
