import { rmSync } from 'node:fs';
import {
  type CollectedMessage,
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

const dataDir = makeServerDataDir('oms-payment-e2e-');
let kafka: TestKafka | undefined;
let collector: TopicCollector | undefined;
let server: ServerProcess | undefined;

afterAll(async () => {
  if (server) await stopServerProcess(server);
  await collector?.stop();
  await kafka?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface OrderBody {
  readonly id: string;
  readonly status: string;
  readonly version: number;
  readonly paymentStatus: string;
  readonly holds: readonly { readonly holdId: string; readonly reason: string }[];
  readonly orderTotal: { readonly amount: string; readonly currencyCode: string };
}

const envelopeOf = (message: CollectedMessage) =>
  JSON.parse(message.value ?? '{}') as {
    eventType: string;
    aggregateId: string;
    payload: Record<string, unknown>;
  };

describe('spec §6 over HTTP, PostgreSQL and Kafka: an order waits for its payment', () => {
  it('confirm under OMS_CONFIRM_REQUIRES_PAYMENT holds the order; oms.payments.authorized releases the hold and confirms it; all published in order', async () => {
    kafka = await startTestKafka();
    collector = await startTopicCollector({
      brokers: kafka.brokers,
      topics: [
        'oms.orders.created',
        'oms.orders.holds',
        'oms.orders.payments',
        'oms.orders.confirmed',
        'oms.orders.status-changed',
      ],
    });
    // librdkafka's mock cluster has no idempotent producer and no CreateTopics (it auto-creates topics)
    const mockSettings = kafka.mock
      ? { KAFKA_IDEMPOTENT: 'false', KAFKA_CREATE_TOPICS: 'false' }
      : {};
    server = await startServerProcess(await findFreePort(), dataDir, {
      KAFKA_BROKERS: kafka.brokers.join(','),
      OMS_CONFIRM_REQUIRES_PAYMENT: 'true',
      ...mockSettings,
    });

    // 1. created without a payment: PENDING, no hold
    const createdResponse = await post(
      `${server.url}/v1/orders`,
      orderFixtures.seedCreateOrderBody(),
    );
    expect(createdResponse.status).toBe(201);
    const created = (await createdResponse.json()) as OrderBody;
    expect(created).toMatchObject({ status: 'DRAFT', paymentStatus: 'PENDING', holds: [] });

    // 2. confirm: the order is held instead (200, the order with its AWAITING_PAYMENT hold)
    const confirmResponse = await post(`${server.url}/v1/orders/${created.id}/confirm`);
    expect(confirmResponse.status).toBe(200);
    const held = (await confirmResponse.json()) as OrderBody;
    expect(held.status).toBe('DRAFT');
    expect(held.paymentStatus).toBe('PENDING');
    expect(held.holds).toEqual([expect.objectContaining({ reason: 'AWAITING_PAYMENT' })]);
    const holdId = held.holds[0]?.holdId;

    const ours = (topic: string, eventType?: string) => (message: CollectedMessage) =>
      message.topic === topic &&
      message.key === created.id &&
      (eventType === undefined || message.headers.ce_type === eventType);
    await collector.waitFor((messages) => messages.some(ours('oms.orders.holds')), 60_000);

    // 3. the payment service authorizes the payment on Kafka
    const producer = new Kafka({
      brokers: [...kafka.brokers],
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({
      topic: 'oms.payments.authorized',
      messages: [
        {
          key: created.id,
          value: JSON.stringify({
            eventId: `psp-auth-${created.id}`,
            eventType: 'payment.authorized',
            payload: {
              orderId: created.id,
              paymentId: 'pay-1',
              amount: created.orderTotal,
              provider: 'stripe',
              at: new Date().toISOString(),
            },
          }),
        },
      ],
    });
    await producer.disconnect();

    // 4. CONFIRMED, the hold released, and the three messages of that one append published
    const all = await collector.waitFor(
      (messages) =>
        messages.some(ours('oms.orders.confirmed')) &&
        messages.some(ours('oms.orders.holds', 'order.hold_released')) &&
        messages.some(ours('oms.orders.payments')),
      90_000,
    );
    const order = (await (
      await fetch(`${server.url}/v1/orders/${created.id}`)
    ).json()) as OrderBody;
    expect(order).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'AUTHORIZED', holds: [] });

    const placed = all.find(ours('oms.orders.holds', 'order.hold_placed'));
    const released = all.find(ours('oms.orders.holds', 'order.hold_released'));
    const payment = all.find(ours('oms.orders.payments', 'order.payment_updated'));
    const confirmed = all.find(ours('oms.orders.confirmed'));
    for (const message of [placed, released, payment, confirmed])
      expect(message?.headers).toMatchObject({
        'content-type': 'application/json',
        ce_specversion: '1.0',
        ce_source: '/oms/order-intake',
        ce_subject: created.id,
      });
    expect(envelopeOf(placed as CollectedMessage)).toMatchObject({
      eventType: 'order.hold_placed',
      aggregateId: created.id,
      payload: {
        orderId: created.id,
        holdId,
        reason: 'AWAITING_PAYMENT',
        activeHolds: [{ holdId, reason: 'AWAITING_PAYMENT' }],
      },
    });
    expect(envelopeOf(released as CollectedMessage)).toMatchObject({
      eventType: 'order.hold_released',
      payload: { orderId: created.id, holdId, reason: 'AWAITING_PAYMENT', activeHolds: [] },
    });
    expect(envelopeOf(payment as CollectedMessage)).toMatchObject({
      eventType: 'order.payment_updated',
      payload: {
        orderId: created.id,
        paymentId: 'pay-1',
        amount: created.orderTotal,
        paymentStatus: 'AUTHORIZED',
      },
    });
    expect(envelopeOf(confirmed as CollectedMessage).payload).toMatchObject({
      id: created.id,
      status: 'CONFIRMED',
      paymentStatus: 'AUTHORIZED',
    });

    // in order per order: the stored order (stream version, then position within the append) ...
    const place = (message: CollectedMessage | undefined) => [
      Number(message?.headers['oms-stream-version']),
      Number(message?.headers['oms-position']),
    ];
    const sequence = [placed, payment, released, confirmed].map(place);
    const sorted = [...sequence].sort(([va = 0, pa = 0], [vb = 0, pb = 0]) => va - vb || pa - pb);
    expect(sequence).toEqual(sorted);
    // ... the hold placed before the payment's append, which holds the payment, the release and the confirmation
    expect(place(placed)[0]).toBeLessThan(place(released)[0] ?? 0);
    expect(
      new Set([payment, released, confirmed].map((m) => m?.headers['oms-stream-version'])).size,
    ).toBe(3);
    // ... and on the one topic they share, the placement at a lower offset than the release (same partition)
    expect(placed?.partition).toBe(released?.partition);
    expect(BigInt(placed?.offset ?? '0')).toBeLessThan(BigInt(released?.offset ?? '0'));

    expect(await stopServerProcess(server)).toBe(0);
    server = undefined;
  }, 180_000);
});
