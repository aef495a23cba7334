import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import fc from 'fast-check';
import type { ProducerBatch } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { traceProcess } from '../consumer/traceProcess.js';
import type { ProducerLike } from '../kafkaPorts.js';
import type { OutboundRecord, RecordPublisher } from '../relay/publisher.port.js';
import { traceProducer, tracePublisher } from '../relay/traceProducer.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});
afterEach(() => exporter.reset());

const tp = (trace: string, span: string) => `00-${trace.repeat(32)}-${span.repeat(16)}-01`;

const fakeProducer = (fail = false): ProducerLike & { batches: ProducerBatch[] } => {
  const batches: ProducerBatch[] = [];
  return {
    batches,
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: async () => [],
    sendBatch: async (batch) => {
      if (fail) throw new Error('broker down');
      batches.push(batch);
      return [];
    },
  };
};

describe('traceparent', () => {
  it('reads back what it writes, and refuses anything else', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[\da-f]{32}$/).filter((id) => !/^0+$/.test(id)),
        fc.stringMatching(/^[\da-f]{16}$/).filter((id) => !/^0+$/.test(id)),
        fc.integer({ min: 0, max: 255 }),
        (traceId, spanId, traceFlags) => {
          const parsed = parseTraceparent(
            formatTraceparent({ traceId, spanId, traceFlags, isRemote: false }),
          );
          expect(parsed).toEqual({ traceId, spanId, traceFlags, isRemote: true });
        },
      ),
    );
    for (const bad of [
      undefined,
      '',
      'garbage',
      tp('0', '1'),
      tp('a', '0'),
      `01-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
    ])
      expect(parseTraceparent(bad)).toBeUndefined();
  });
});

describe('traceProducer (relay batch publish)', () => {
  it('makes a PRODUCER span per batch request, linked to the stored traceparent of each message', async () => {
    const producer = fakeProducer();
    const traced = traceProducer(producer);
    await traced.sendBatch({
      topicMessages: [
        {
          topic: 'oms.orders.confirmed',
          messages: [
            { key: 'a', value: '{}', headers: { traceparent: tp('a', '1') } },
            { key: 'b', value: '{}', headers: { traceparent: tp('b', '2') } },
            { key: 'c', value: '{}', headers: {} },
            { key: 'd', value: '{}', headers: { traceparent: 'not one' } },
          ],
        },
      ],
    });
    expect(producer.batches).toHaveLength(1);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('send oms.orders.confirmed');
    expect(span?.kind).toBe(SpanKind.PRODUCER);
    expect(span?.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.batch.message_count': 4,
      'messaging.destination.name': 'oms.orders.confirmed',
    });
    expect(span?.links.map((link) => link.context.traceId)).toEqual([
      'a'.repeat(32),
      'b'.repeat(32),
    ]);
    expect(span?.links.map((link) => link.context.spanId)).toEqual([
      '1'.repeat(16),
      '2'.repeat(16),
    ]);
  });

  it('names a request to several topics `send` and records a failed one as an error', async () => {
    const traced = traceProducer(fakeProducer(true));
    await expect(
      traced.sendBatch({
        topicMessages: [
          { topic: 'x', messages: [{ value: '1' }] },
          { topic: 'y', messages: [{ value: '2' }] },
        ],
      }),
    ).rejects.toThrow('broker down');
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('send');
    expect(span?.attributes['messaging.destination.name']).toBeUndefined();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });
});

describe('tracePublisher (the relay publisher, whichever client is behind it)', () => {
  const record = (topic: string, traceparent?: string): OutboundRecord => ({
    topic,
    key: 'k',
    value: '{}',
    headers: traceparent ? { traceparent } : {},
  });
  const publisherAnswering = (
    ok: boolean,
    pipelined?: boolean,
  ): RecordPublisher & { sent: (readonly OutboundRecord[])[] } => {
    const sent: (readonly OutboundRecord[])[] = [];
    return {
      sent,
      ...(pipelined ? { pipelined } : {}),
      connect: async () => undefined,
      disconnect: async () => undefined,
      publish: async (records) => {
        sent.push(records);
        return ok
          ? [{ topic: 'oms.orders.created', partition: 0, ok: true }]
          : [
              {
                topic: 'oms.orders.created',
                partition: 2,
                ok: false,
                error: new TypeError('refused'),
              },
            ];
      },
    };
  };

  it('makes a PRODUCER span per request, linked to the stored traceparent of each record', async () => {
    const inner = publisherAnswering(true, true);
    const traced = tracePublisher(inner);
    expect(traced.pipelined).toBe(true);
    const results = await traced.publish([
      record('oms.orders.created', tp('a', '1')),
      record('oms.orders.created'),
      record('oms.orders.created', tp('b', '2')),
    ]);
    expect(results).toEqual([{ topic: 'oms.orders.created', partition: 0, ok: true }]);
    expect(inner.sent).toHaveLength(1);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('send oms.orders.created');
    expect(span?.kind).toBe(SpanKind.PRODUCER);
    expect(span?.attributes['messaging.batch.message_count']).toBe(3);
    expect(span?.links.map((link) => link.context.traceId)).toEqual([
      'a'.repeat(32),
      'b'.repeat(32),
    ]);
    expect(span?.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('records a request with a partition not acknowledged as an error, and keeps a plain publisher unpipelined', async () => {
    const traced = tracePublisher(publisherAnswering(false));
    expect(traced.pipelined).toBeUndefined();
    const [result] = await traced.publish([record('x'), record('y')]);
    expect(result?.ok).toBe(false);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('send');
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('TypeError');
  });
});

describe('traceProcess (consumer message handling)', () => {
  const message = (headers: Record<string, string | undefined>) => ({
    topic: 'oms.fulfillment.shipped',
    partition: 2,
    offset: '41',
    key: 'order-1',
    value: '{}',
    headers,
  });

  it("continues the producer's trace from the headers and hands on its own traceparent", async () => {
    let seen: string | undefined;
    let active: string | undefined;
    const outcome = await traceProcess(
      message({ traceparent: tp('c', '3'), ce_id: 'e-1' }),
      'g',
      async (handed) => {
        seen = handed.headers.traceparent;
        active = trace.getActiveSpan()?.spanContext().spanId;
        return { kind: 'applied', replayed: false, orderId: 'o', idempotencyKey: 'k' };
      },
    );
    expect(outcome.kind).toBe('applied');
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('process oms.fulfillment.shipped');
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.spanContext().traceId).toBe('c'.repeat(32));
    expect(span?.parentSpanContext?.spanId).toBe('3'.repeat(16));
    expect(active).toBe(span?.spanContext().spanId);
    expect(seen).toBe(formatTraceparent(span!.spanContext()));
    expect(span?.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'oms.fulfillment.shipped',
      'messaging.destination.partition.id': '2',
      'messaging.consumer.group.name': 'g',
      'messaging.kafka.offset': 41,
      'messaging.kafka.message.key': 'order-1',
      'messaging.message.id': 'e-1',
      'oms.inbound.outcome': 'applied',
    });
  });

  it('starts a new trace for a message without a usable traceparent and records a retry as an error', async () => {
    await traceProcess(message({ traceparent: 'junk' }), 'g', async () => ({
      kind: 'retry',
      code: 'service-unavailable',
      reason: 'down',
    }));
    const [span] = exporter.getFinishedSpans();
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.attributes['error.type']).toBe('service-unavailable');
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
  });
});
