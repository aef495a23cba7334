// `@oms/domain/testing/contract`: the behaviour every EventStore must show, as a vitest suite (vitest is an
// optional peer dependency, needed only by this subpath).
export { type EventStoreUnderTest, eventStoreContract } from './eventStore.contract.js';
