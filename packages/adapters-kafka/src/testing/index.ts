export {
  createInMemoryCheckpointStore,
  createInMemoryLeases,
} from '../relay/checkpoint.port.js';
export { createFakeKafka, type FakeKafka, type FakeSentMessage } from './fakeKafka.js';
export { type KafkaProxy, type KafkaProxyOptions, startKafkaProxy } from './kafkaProxy.js';
export { type StartTestKafkaOptions, startTestKafka, type TestKafka } from './mockCluster.js';
export {
  type CollectedMessage,
  startTopicCollector,
  type TopicCollector,
} from './topicCollector.js';
