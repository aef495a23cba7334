import { isSpanContextValid, type SpanContext } from '@opentelemetry/api';

export const TRACER_NAME = '@oms/adapters-kafka';

const TRACEPARENT = /^00-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/** The span context of a W3C `traceparent` (version 00), as stored in event metadata and sent in Kafka headers. */
export const parseTraceparent = (value: string | undefined): SpanContext | undefined => {
  const match = value === undefined ? null : TRACEPARENT.exec(value);
  if (!match) return undefined;
  const context: SpanContext = {
    traceId: match[1] ?? '',
    spanId: match[2] ?? '',
    traceFlags: Number.parseInt(match[3] ?? '0', 16),
    isRemote: true,
  };
  return isSpanContextValid(context) ? context : undefined;
};

export const formatTraceparent = (context: SpanContext): string =>
  `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
