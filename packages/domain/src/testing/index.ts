// `@oms/domain/testing`: no test framework needed (ESM and CommonJS). The vitest contract suite of the EventStore
// port is `@oms/domain/testing/contract`.
export { SpecificationFailure } from './expectations.js';
export { orderFixtures } from './fixtures.js';
export {
  createInMemoryOrderStore,
  type InMemoryOrderStore,
  type InMemoryOrderStoreOptions,
} from './inMemoryOrderStore.js';
export { given, type OrderThen } from './orderSpecification.js';
