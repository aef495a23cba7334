import {
  type Link,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { ProducerBatch } from 'kafkajs';
import type { ProducerLike } from '../kafkaPorts.js';
import { parseTraceparent, TRACER_NAME } from '../tracing/traceparent.js';
import { failedPartitions, type RecordPublisher } from './publisher.port.js';

/**
 * The PRODUCER span of one request (OpenTelemetry messaging conventions: `send <topic>`,
 * `messaging.batch.message_count`), linked to the trace of each message's event (the request or message that stored
 * it: the `traceparent` header it carries). With no OpenTelemetry SDK registered the span is a no-op and the links
 * are never built.
 */
const startSendSpan = (
  tracer: Tracer,
  topics: readonly string[],
  count: number,
  traceparents: () => Iterable<string | undefined>,
): Span => {
  const span = tracer.startSpan(topics.length === 1 ? `send ${topics[0]}` : 'send', {
    kind: SpanKind.PRODUCER,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.batch.message_count': count,
      ...(topics.length === 1 ? { 'messaging.destination.name': topics[0] } : {}),
    },
  });
  if (span.isRecording()) {
    const links: Link[] = [];
    for (const traceparent of traceparents()) {
      const context = parseTraceparent(traceparent);
      if (context) links.push({ context });
    }
    span.addLinks(links);
  }
  return span;
};

/** Marks the span failed, typed by the error's name. */
const failed = (span: Span, error: unknown) => {
  span.setAttribute('error.type', error instanceof Error ? error.name : 'error');
  span.setStatus({ code: SpanStatusCode.ERROR });
};

/** The stored `traceparent` of each message of a kafkajs batch request. */
function* batchTraceparents(batch: ProducerBatch): Generator<string | undefined> {
  for (const { messages } of batch.topicMessages ?? [])
    for (const message of messages) {
      const header = message.headers?.traceparent;
      yield typeof header === 'string' ? header : header?.toString();
    }
}

/** A kafkajs producer with a PRODUCER span per batch request (see `startSendSpan`). */
export const traceProducer = (
  producer: ProducerLike,
  tracer: Tracer = trace.getTracer(TRACER_NAME),
): ProducerLike => ({
  connect: () => producer.connect(),
  disconnect: () => producer.disconnect(),
  send: (record) => producer.send(record),
  sendBatch: async (batch) => {
    const requests = batch.topicMessages ?? [];
    const span = startSendSpan(
      tracer,
      [...new Set(requests.map(({ topic }) => topic))],
      requests.reduce((sum, { messages }) => sum + messages.length, 0),
      () => batchTraceparents(batch),
    );
    try {
      return await producer.sendBatch(batch);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  },
});

/**
 * The relay's publisher with a PRODUCER span per request (see `startSendSpan`), whichever client is behind it, on
 * the thread that reads the events (a producer in a worker thread is traced here, where the SDK is). A request
 * with a partition not acknowledged is recorded as an error.
 */
export const tracePublisher = (
  publisher: RecordPublisher,
  tracer: Tracer = trace.getTracer(TRACER_NAME),
): RecordPublisher => ({
  ...(publisher.pipelined ? { pipelined: true } : {}),
  connect: () => publisher.connect(),
  disconnect: () => publisher.disconnect(),
  publish: async (records) => {
    const topics = new Set<string>();
    for (const record of records) topics.add(record.topic);
    const span = startSendSpan(tracer, [...topics], records.length, () =>
      records.map(({ headers }) => headers.traceparent),
    );
    try {
      const results = await publisher.publish(records);
      const [refused] = failedPartitions(results);
      if (refused) failed(span, refused.error);
      return results;
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  },
});
