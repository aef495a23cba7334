import { context, propagation } from '@opentelemetry/api';

/**
 * The W3C `traceparent` of the active span, as the registered propagator writes it; undefined when tracing is off
 * (no SDK, no propagator) or no span is active.
 */
export const activeTraceparent = (): string | undefined => {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
};
