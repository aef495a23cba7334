import { type Link, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import type { ProducerBatch } from 'kafkajs';
import type { ProducerLike } from '../kafkaPorts.js';
import { parseTraceparent, TRACER_NAME } from '../tracing/traceparent.js';

/** The links of a batch: one to each message's creation context, the stored `traceparent` it carries. */
const linksOf = (batch: ProducerBatch): Link[] => {
  const links: Link[] = [];
  for (const { messages } of batch.topicMessages ?? [])
    for (const message of messages) {
      const header = message.headers?.traceparent;
      const context = parseTraceparent(typeof header === 'string' ? header : header?.toString());
      if (context) links.push({ context });
    }
  return links;
};

/**
 * The relay's producer with a PRODUCER span per batch request (OpenTelemetry messaging conventions: `send <topic>`,
 * `messaging.batch.message_count`), linked to the trace of each event it carries (the request or message that stored
 * the event). With no OpenTelemetry SDK registered it is a no-op: the links are built only for a recorded span.
 */
export const traceProducer = (
  producer: ProducerLike,
  tracer: Tracer = trace.getTracer(TRACER_NAME),
): ProducerLike => ({
  connect: () => producer.connect(),
  disconnect: () => producer.disconnect(),
  send: (record) => producer.send(record),
  sendBatch: async (batch) => {
    const topics = [...new Set((batch.topicMessages ?? []).map(({ topic }) => topic))];
    const count = (batch.topicMessages ?? []).reduce(
      (sum, { messages }) => sum + messages.length,
      0,
    );
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
    if (span.isRecording()) span.addLinks(linksOf(batch));
    try {
      return await producer.sendBatch(batch);
    } catch (error) {
      span.setAttribute('error.type', error instanceof Error ? error.name : 'error');
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  },
});
