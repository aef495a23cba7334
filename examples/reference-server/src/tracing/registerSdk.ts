import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
} from '@opentelemetry/sdk-trace-node';
import type { Tracing } from './startTracing.js';

/**
 * The SDK, loaded only when tracing is on: a batch processor to the OTLP exporter (http/protobuf; endpoint, headers
 * and timeouts from the standard `OTEL_EXPORTER_OTLP_*` variables) or to the console, the W3C trace-context
 * propagator and the AsyncLocalStorage context manager, registered globally. The sampler and the resource follow
 * `OTEL_TRACES_SAMPLER`, `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.
 */
export const registerSdk = (exporterName: 'otlp' | 'console', env: NodeJS.ProcessEnv): Tracing => {
  const exporter = exporterName === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME || 'oms-order-intake',
    }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  provider.register();
  return {
    enabled: true,
    exporter: exporterName,
    shutdown: () => provider.shutdown(),
  };
};
