import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { formatTraceparent, parseTraceparent, TRACER_NAME } from '../tracing/traceparent.js';
import type { InboundMessage, InboundOutcome } from './processInbound.js';

const keyText = (key: InboundMessage['key']): string | undefined =>
  key === null ? undefined : typeof key === 'string' ? key : key.toString('utf8');

/**
 * A CONSUMER span per processing of an inbound message (OpenTelemetry messaging conventions: `process <topic>`),
 * the child of the producer's context from the message's `traceparent` header. The message handed on carries this
 * span's `traceparent`, so the events it appends link back to this trace. With no SDK registered it is a no-op and
 * the message goes on unchanged.
 */
export const traceProcess = async (
  message: InboundMessage,
  groupId: string,
  process: (message: InboundMessage) => Promise<InboundOutcome>,
  tracer: Tracer = trace.getTracer(TRACER_NAME),
): Promise<InboundOutcome> => {
  const producer = parseTraceparent(message.headers.traceparent);
  const parent = producer ? trace.setSpanContext(ROOT_CONTEXT, producer) : ROOT_CONTEXT;
  const key = keyText(message.key);
  const span = tracer.startSpan(
    `process ${message.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
        'messaging.destination.name': message.topic,
        'messaging.destination.partition.id': String(message.partition),
        'messaging.consumer.group.name': groupId,
        'messaging.kafka.offset': Number(message.offset),
        ...(key !== undefined ? { 'messaging.kafka.message.key': key.slice(0, 200) } : {}),
        ...(message.headers.ce_id ? { 'messaging.message.id': message.headers.ce_id } : {}),
      },
    },
    parent,
  );
  const handed = span.isRecording()
    ? {
        ...message,
        headers: { ...message.headers, traceparent: formatTraceparent(span.spanContext()) },
      }
    : message;
  try {
    const outcome = await context.with(trace.setSpan(parent, span), () => process(handed));
    span.setAttribute('oms.inbound.outcome', outcome.kind);
    if ('code' in outcome) span.setAttribute('error.type', outcome.code);
    if (outcome.kind === 'retry') span.setStatus({ code: SpanStatusCode.ERROR });
    return outcome;
  } finally {
    span.end();
  }
};
