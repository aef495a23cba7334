import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type KafkaProxy,
  startKafkaProxy,
  startTestKafka,
  type TestKafka,
} from '../testing/index.js';

// The soak's consumer group, cut while a member waits for its JoinGroup answer: librdkafka's mock cluster holds a
// pending JoinGroup on a connection it stops reading from, so it never saw that connection close; when the member
// came back on a new connection and joined again with the same member id, the mock aborted (kcat SIGABRT at
// rdkafka_mock_cgrp.c `!member->resp`) and every Kafka check of the run went down with it.

const GROUP_SESSION_MS = 8_000; // the mock waits this minus 1 s for members to rejoin in every rebalance

const client = (brokers: readonly string[], clientId: string): Kafka =>
  new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 500 },
  });

describe('startKafkaProxy: a cut while a member waits for its JoinGroup answer', () => {
  let kafka: TestKafka | undefined;
  let proxy: KafkaProxy | undefined;
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop().catch(() => undefined);
    await proxy?.close();
    await kafka?.stop();
  });

  it('keeps the mock cluster alive, and the member joins again with its own id', async () => {
    kafka = await startTestKafka({ brokers: 1 });
    const mock = kafka;
    proxy = await startKafkaProxy({ upstreams: mock.brokers });
    const topic = `proxy-rejoin-${Date.now()}`;
    const groupId = `proxy-rejoin-${Date.now()}`;
    const joins: string[] = []; // the member ids of the joins of the member behind the proxy
    let directJoins = 0;
    const consumerOf = async (name: string, brokers: readonly string[]) => {
      const consumer = client(brokers, name).consumer({
        groupId,
        sessionTimeout: GROUP_SESSION_MS,
        heartbeatInterval: 300,
        maxWaitTimeInMs: 100,
      });
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        if (name === 'behind-proxy') joins.push(event.payload.memberId);
        else directJoins += 1;
      });
      stops.push(() => consumer.disconnect());
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async () => undefined });
    };

    // a member behind the proxy joins the group alone
    await consumerOf('behind-proxy', proxy.brokers);
    await vi.waitFor(() => expect(joins).toHaveLength(1), { timeout: 20_000, interval: 50 });
    const firstMember = joins[0];

    // a second member starts a rebalance: the first one is told by its next heartbeat and sends JoinGroup, which the
    // mock answers only when the rebalance ends (GROUP_SESSION_MS - 1 s later); the cut comes before that
    const second = consumerOf('direct', mock.brokers);
    second.catch(() => undefined); // awaited at the end; a failure before that is the test's, not unhandled
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    // the outage, while the rebalance is still on (no member has its answer yet), then the member's connection comes
    // back and it joins again
    expect(directJoins).toBe(0);
    expect(joins).toHaveLength(1);
    await proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await proxy.restore();

    await vi.waitFor(() => expect(joins.length >= 2 || mock.died() !== undefined).toBe(true), {
      timeout: 4 * GROUP_SESSION_MS,
      interval: 50,
    });
    expect(mock.died()).toBeUndefined();
    expect(joins.at(-1)).toBe(firstMember);
    await second;
  }, 60_000);
});
