import { rmSync } from 'node:fs';
import {
  startTestKafka,
  startTopicCollector,
  type TestKafka,
  type TopicCollector,
} from '@oms/adapters-kafka/testing';
import { findFreePort } from '@oms/adapters-pg';
import { DLQ_TOPIC, INBOUND_TOPICS } from '@oms/domain';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  makeServerDataDir,
  type ServerProcess,
  startServerProcess,
  stopServerProcess,
} from './testing/serverProcess.js';

/**
 * How long SIGTERM may take with no request in flight. Kubernetes SIGKILLs a pod 30 s after SIGTERM by default, and
 * the HTTP drain alone may use up to OMS_SHUTDOWN_TIMEOUT_MS (25 s) of that when requests are in flight, so stopping
 * the Kafka clients and the embedded database must take a few seconds at most. Without a join in progress the whole
 * stop takes well under 1 s here; 10 s leaves room for a loaded 2-core machine and still fails a stop that waits for
 * a join held by the coordinator (up to the rebalance timeout: 60 s by default).
 */
const STOP_BOUND_MS = 10_000;

/** The mock has neither an idempotent producer nor CreateTopics; a real cluster keeps the defaults. */
const mockSettings = (cluster: TestKafka) =>
  cluster.mock ? { KAFKA_IDEMPOTENT: 'false', KAFKA_CREATE_TOPICS: 'false' } : {};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const cluster = async (): Promise<TestKafka> => {
  const kafka = await startTestKafka();
  cleanups.push(() => kafka.stop());
  return kafka;
};

const dataDir = (): string => {
  const made = makeServerDataDir('oms-shutdown-e2e-');
  cleanups.push(() => rmSync(made, { recursive: true, force: true }));
  return made;
};

const server = async (kafka: TestKafka, dataDir: string): Promise<ServerProcess> => {
  const started = await startServerProcess(await findFreePort(), dataDir, {
    KAFKA_BROKERS: kafka.brokers.join(','),
    ...mockSettings(kafka),
    LOG_LEVEL: 'info',
  });
  // SIGTERM, not SIGKILL: it stops its embedded database too
  cleanups.push(async () => {
    if (started.child.exitCode === null && started.child.signalCode === null)
      await stopServerProcess(started);
  });
  return started;
};

/** SIGTERM; the exit code, how long it took, and what the process wrote. */
const terminate = async (started: ServerProcess) => {
  const signalled = Date.now();
  const code = await stopServerProcess(started);
  return { code, took: Date.now() - signalled, output: started.output() };
};

describe('the reference server stopped while its Kafka consumer joins its group', () => {
  it('on a fresh cluster, SIGTERM as soon as it listens: exits 0 within the bound', async () => {
    const kafka = await cluster();
    const { code, took, output } = await terminate(await server(kafka, dataDir()));
    expect(code, output).toBe(0);
    expect(took, `stopped in ${took} ms:\n${output}`).toBeLessThan(STOP_BOUND_MS);
    expect(output).toMatch(/"msg":"stopped"/);
  });

  it('after a pod was killed in the group (its join is held for the dead member): exits 0 within the bound', async () => {
    const kafka = await cluster();
    // a message on every inbound topic: the first server dead-letters them once its consumer is in the group
    const producer = new Kafka({
      brokers: [...kafka.brokers],
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    for (const topic of Object.keys(INBOUND_TOPICS))
      await producer.send({ topic, messages: [{ value: '{}' }] });
    await producer.disconnect();
    const dlq: TopicCollector = await startTopicCollector({
      brokers: kafka.brokers,
      topics: [DLQ_TOPIC],
    });
    cleanups.push(() => dlq.stop());

    const volume = dataDir();
    const killed = await server(kafka, volume);
    await dlq.waitFor((messages) => messages.length > 0, 60_000);
    // killed without leaving its group: the coordinator keeps it as a member until its session times out
    killed.child.kill('SIGKILL');
    await killed.exited;

    // restarted on the same data (it takes over the embedded database the killed one left running, and stops it)
    const restarted = await server(kafka, volume);
    // its consumer is joining now (the join is held for the dead member for up to ~30 s)
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const { code, took, output } = await terminate(restarted);
    expect(code, output).toBe(0);
    expect(took, `stopped in ${took} ms:\n${output}`).toBeLessThan(STOP_BOUND_MS);
    expect(output).toMatch(/"msg":"stopped"/);
  });
});
