export { type EventStoreUnderTest, eventStoreContract } from './eventStore.contract.js';
export { orderFixtures } from './fixtures.js';
export {
  createInMemoryOrderStore,
  type InMemoryOrderStore,
  type InMemoryOrderStoreOptions,
} from './inMemoryOrderStore.js';
export { given, type OrderThen } from './orderSpecification.js';
