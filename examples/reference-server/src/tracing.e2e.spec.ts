import { startTestKafka, type TestKafka } from '@oms/adapters-kafka/testing';
import {
  createPgEventStore,
  createTestDatabase,
  findFreePort,
  type TestDatabase,
} from '@oms/adapters-pg';
import { orderFixtures } from '@oms/domain/fixtures';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from './config.js';
import { type RunningServer, startServer } from './server.js';

// The server in this process, with an in-memory exporter registered as the global SDK (as registerSdk would).
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let db: TestDatabase;
let kafka: TestKafka;
let server: RunningServer | undefined;

beforeAll(async () => {
  provider.register();
  db = await createTestDatabase(inject('databaseUrl'));
  kafka = await startTestKafka();
  const config = loadConfig({
    DATABASE_URL: db.url,
    PORT: String(await findFreePort()),
    HOST: '127.0.0.1',
    KAFKA_BROKERS: kafka.brokers.join(','),
    // librdkafka's mock cluster: no idempotent producer, no CreateTopics (see kafka-testing.md)
    ...(kafka.mock ? { KAFKA_IDEMPOTENT: 'false', KAFKA_CREATE_TOPICS: 'false' } : {}),
  });
  server = await startServer(config, pino({ level: 'silent' }));
});
afterAll(async () => {
  await server?.stop();
  await kafka?.stop();
  await db?.drop();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const waitForSpans = async (
  found: (spans: ReadableSpan[]) => boolean,
  timeoutMs = 90_000,
): Promise<ReadableSpan[]> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spans = exporter.getFinishedSpans();
    if (found(spans)) return spans;
    if (Date.now() > deadline)
      throw new Error(`spans not found; have: ${spans.map((span) => span.name).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);

const linksTo = (span: ReadableSpan, target: ReadableSpan) =>
  span.links.some(
    (link) =>
      link.context.traceId === target.spanContext().traceId &&
      link.context.spanId === target.spanContext().spanId,
  );

const traceparentOf = (span: ReadableSpan) =>
  `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

describe('one trace from request to Kafka and from Kafka to the store (spec §8)', () => {
  it('POST /v1/orders/{id}/confirm: request → command → SQL, and the order.confirmed publish linked to it', async () => {
    const url = server?.url ?? '';
    const created = (await (
      await fetch(`${url}/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(orderFixtures.seedCreateOrderBody()),
      })
    ).json()) as { id: string };
    const confirmed = await fetch(`${url}/v1/orders/${created.id}/confirm`, { method: 'POST' });
    expect(confirmed.status).toBe(200);

    const spans = await waitForSpans((all) => {
      const request = all.find((span) => span.name === 'POST /v1/orders/:orderId/confirm');
      return (
        request !== undefined &&
        all.some((span) => span.kind === SpanKind.PRODUCER && linksTo(span, request))
      );
    });
    const request = spans.find((span) => span.name === 'POST /v1/orders/:orderId/confirm');
    if (!request) throw new Error('no request span');
    expect(request.kind).toBe(SpanKind.SERVER);
    const [command] = childrenOf(spans, request);
    expect(command?.name).toBe('ConfirmOrder');
    expect(command?.attributes).toMatchObject({
      'oms.command.type': 'ConfirmOrder',
      'oms.order.id': created.id,
      'oms.command.outcome': 'ok',
    });
    const statements = childrenOf(spans, command as ReadableSpan);
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.every((span) => span.kind === SpanKind.CLIENT)).toBe(true);
    expect(statements.every((span) => span.attributes['db.system.name'] === 'postgresql')).toBe(
      true,
    );
    expect(statements.some((span) => /INSERT oms_events/.test(span.name))).toBe(true);

    // the stored event carries the request's context, and the publish links to it
    const stream = (await createPgEventStore(db.pool).readStream(created.id))._unsafeUnwrap();
    const event = stream.events.find((stored) => stored.type === 'order.confirmed');
    expect(event?.metadata.traceparent).toBe(traceparentOf(request));
    const publish = spans.find((span) => span.kind === SpanKind.PRODUCER && linksTo(span, request));
    expect(publish?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
    });
    // the order.confirmed message went out in it (alone on its topic, or with the status change in one request)
    expect(publish?.name).toMatch(/^send( oms\.orders\.confirmed)?$/);
  });

  it('an inbound oms.fulfillment.shipped message: its processing continues the producer trace down to the append', async () => {
    const url = server?.url ?? '';
    const created = (await (
      await fetch(`${url}/v1/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(orderFixtures.seedCreateOrderBody()),
      })
    ).json()) as { id: string };
    expect((await fetch(`${url}/v1/orders/${created.id}/confirm`, { method: 'POST' })).status).toBe(
      200,
    );
    const producerTrace = 'ab'.repeat(16);
    const producerSpan = 'cd'.repeat(8);
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
          headers: { traceparent: `00-${producerTrace}-${producerSpan}-01` },
        },
      ],
    });
    await producer.disconnect();

    const processedBy = (span: ReadableSpan) =>
      span.name === 'process oms.fulfillment.shipped' &&
      span.spanContext().traceId === producerTrace &&
      span.attributes['oms.inbound.outcome'] === 'applied';
    const spans = await waitForSpans((all) => {
      const process = all.find(processedBy);
      return (
        process !== undefined &&
        all.some((span) => span.kind === SpanKind.PRODUCER && linksTo(span, process))
      );
    });
    const process = spans.find(processedBy);
    if (!process) throw new Error('no process span');
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.parentSpanContext?.spanId).toBe(producerSpan);
    expect(process.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'oms.fulfillment.shipped',
      'messaging.consumer.group.name': 'oms-order-intake',
    });
    const [command] = childrenOf(spans, process);
    expect(command?.name).toBe('ShipOrder');
    const append = childrenOf(spans, command as ReadableSpan).filter((span) =>
      /INSERT oms_events/.test(span.name),
    );
    expect(append).toHaveLength(1);
    expect(append[0]?.spanContext().traceId).toBe(producerTrace);

    const stream = (await createPgEventStore(db.pool).readStream(created.id))._unsafeUnwrap();
    const shipped = stream.events.find((stored) => stored.type === 'order.shipped');
    expect(shipped?.metadata.traceparent).toBe(traceparentOf(process));
  });
});
