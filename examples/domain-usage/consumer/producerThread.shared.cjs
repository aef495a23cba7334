// The relay's producer thread as another team's service gets it from the packed @oms/adapters-kafka: a thread
// started from the package's own dist, three records published to librdkafka's mock cluster (kcat), one result per
// partition. `run(kafkaModule, testingModule, label)` is called by producerThread.cjs (require) and .mjs (import).
const run = async ({ createThreadedPublisher }, { startTestKafka }, label) => {
  const kafka = await startTestKafka();
  const publisher = createThreadedPublisher({
    client: { brokers: kafka.brokers, clientId: 'another-teams-service' },
    producer: { idempotent: !kafka.mock },
    compression: 1,
    timeoutMs: 10_000,
  });
  try {
    await publisher.connect();
    const records = ['a', 'b', 'c'].map((key) => ({
      topic: 'consumer.producer-thread',
      key,
      value: JSON.stringify({ key }),
      headers: { source: label },
    }));
    const results = await publisher.publish(records);
    const ok = results.length > 0 && results.every((result) => result.ok);
    console.log(`${ok ? 'ok  ' : 'FAIL'} producer thread (${label}): ${JSON.stringify(results)}`);
    return ok;
  } finally {
    await publisher.disconnect();
    await kafka.stop();
  }
};

module.exports = { run };
