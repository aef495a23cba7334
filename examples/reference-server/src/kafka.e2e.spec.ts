import { rmSync } from 'node:fs';
import {
  startTestKafka,
  startTopicCollector,
  type TestKafka,
  type TopicCollector,
} from '@oms/adapters-kafka/testing';
import { findFreePort } from '@oms/adapters-pg';
import { orderFixtures } from '@oms/domain/fixtures';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  makeServerDataDir,
  post,
  type ServerProcess,
  startServerProcess,
  stopServerProcess,
} from './testing/serverProcess.js';

const dataDir = makeServerDataDir('oms-kafka-e2e-');
let kafka: TestKafka | undefined;
let collector: TopicCollector | undefined;
let server: ServerProcess | undefined;

afterAll(async () => {
  if (server) await stopServerProcess(server);
  await collector?.stop();
  await kafka?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * librdkafka's mock cluster has no idempotent producer and no CreateTopics (it auto-creates topics); a real cluster
 * given as KAFKA_BROKERS keeps the production defaults.
 */
const mockSettings = (cluster: TestKafka) =>
  cluster.mock ? { KAFKA_IDEMPOTENT: 'false', KAFKA_CREATE_TOPICS: 'false' } : {};

describe('the reference server with Kafka turned on later', () => {
  it('publishes the backlog stored while Kafka was off, then consumes a fulfillment event', async () => {
    const port = await findFreePort();
    server = await startServerProcess(port, dataDir);
    const created = (await (
      await post(`${server.url}/v1/orders`, orderFixtures.seedCreateOrderBody())
    ).json()) as {
      id: string;
    };
    expect((await post(`${server.url}/v1/orders/${created.id}/confirm`)).status).toBe(200);
    expect(await stopServerProcess(server)).toBe(0);

    kafka = await startTestKafka();
    server = await startServerProcess(port, dataDir, {
      KAFKA_BROKERS: kafka.brokers.join(','),
      ...mockSettings(kafka),
    });
    expect(server.output()).not.toMatch(/KAFKA_BROKERS is not set/);

    collector = await startTopicCollector({
      brokers: kafka.brokers,
      topics: ['oms.orders.created', 'oms.orders.confirmed', 'oms.orders.shipped'],
    });
    const ours = (topic: string) => (message: { topic: string; key: string | null }) =>
      message.topic === topic && message.key === created.id;
    const backlog = await collector.waitFor(
      (messages) =>
        messages.some(ours('oms.orders.created')) && messages.some(ours('oms.orders.confirmed')),
      60_000,
    );
    const confirmed = backlog.find(ours('oms.orders.confirmed'));
    expect(confirmed?.headers).toMatchObject({
      'content-type': 'application/json',
      ce_type: 'order.confirmed',
      ce_specversion: '1.0',
    });
    expect(JSON.parse(confirmed?.value ?? '{}')).toMatchObject({
      eventType: 'order.confirmed',
      aggregateId: created.id,
      aggregateType: 'Order',
      payload: { id: created.id, status: 'CONFIRMED', orderTotal: { amount: '59.98' } },
    });

    const producer = new Kafka({
      brokers: [...kafka.brokers],
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({
      topic: 'oms.fulfillment.shipped',
      messages: [
        {
          key: created.id,
          value: JSON.stringify({
            orderId: created.id,
            carrier: 'DHL',
            shippedAt: new Date().toISOString(),
          }),
        },
      ],
    });
    await producer.disconnect();
    await collector.waitFor((messages) => messages.some(ours('oms.orders.shipped')), 90_000);
    const order = (await (await fetch(`${server.url}/v1/orders/${created.id}`)).json()) as {
      status: string;
      shipments: { carrier: string }[];
    };
    expect(order.status).toBe('SHIPPED');
    expect(order.shipments.map((shipment) => shipment.carrier)).toEqual(['DHL']);
    expect(await stopServerProcess(server)).toBe(0);
    server = undefined;
  });

  it('publishes with the relay producer in a worker thread (OMS_RELAY_PRODUCER_THREAD), and stops cleanly', async () => {
    if (!kafka || !collector) throw new Error('runs after the test above, on its cluster');
    server = await startServerProcess(await findFreePort(), dataDir, {
      KAFKA_BROKERS: kafka.brokers.join(','),
      OMS_RELAY_PRODUCER_THREAD: 'true',
      LOG_LEVEL: 'info',
      ...mockSettings(kafka),
    });
    expect(server.output()).toMatch(/producer in a worker thread/);
    const ids: string[] = [];
    for (let order = 0; order < 5; order += 1) {
      const created = (await (
        await post(`${server.url}/v1/orders`, orderFixtures.seedCreateOrderBody())
      ).json()) as { id: string };
      expect((await post(`${server.url}/v1/orders/${created.id}/confirm`)).status).toBe(200);
      ids.push(created.id);
    }
    const published = await collector.waitFor(
      (messages) =>
        ids.every(
          (id) =>
            messages.some(
              (message) => message.topic === 'oms.orders.created' && message.key === id,
            ) &&
            messages.some(
              (message) => message.topic === 'oms.orders.confirmed' && message.key === id,
            ),
        ),
      60_000,
    );
    for (const id of ids)
      expect(
        published
          .filter((message) => message.key === id)
          .map((message) => message.headers.ce_type)
          .sort(),
      ).toEqual(['order.confirmed', 'order.created']);
    expect(await stopServerProcess(server)).toBe(0);
    // the consumer creates its dead-letter topic only as the relay creates its topics: when KAFKA_CREATE_TOPICS is
    // on (off on the mock, which has no CreateTopics; a real cluster creates them)
    expect(server.output()).not.toMatch(/topic-creation-failed/);
    server = undefined;
  });
});
