import { createInMemoryOrderStore } from '@oms/domain/testing';
import { createInMemoryShopifyInbox } from './shopify/memoryShopifyInbox.js';
import { shopifyScenarios } from './testing/shopifyScenarios.js';

shopifyScenarios('Shopify webhook on the in-memory store', async () => ({
  ...createInMemoryOrderStore(),
  shopifyInbox: createInMemoryShopifyInbox(),
}));
