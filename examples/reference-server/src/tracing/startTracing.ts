import type { Logger } from 'pino';

/** What `startTracing` gives back: how to flush and stop the exporter (nothing to do when tracing is off). */
export interface Tracing {
  readonly enabled: boolean;
  /** The exporter, for the start-up line. */
  readonly exporter: string;
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, exporter: 'off', shutdown: async () => undefined };

/**
 * Which exporter the standard `OTEL_*` variables ask for: `otlp` when an OTLP endpoint is set or
 * `OTEL_TRACES_EXPORTER` says so, `console` when it says that; off when neither is set, when the exporter is `none`
 * or when `OTEL_SDK_DISABLED=true`.
 */
export const tracesExporter = (env: NodeJS.ProcessEnv): 'otlp' | 'console' | undefined => {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const named = env.OTEL_TRACES_EXPORTER?.split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (named && named.length > 0) {
    if (named.includes('none')) return undefined;
    if (named.includes('otlp')) return 'otlp';
    if (named.includes('console')) return 'console';
    throw new Error(
      `OTEL_TRACES_EXPORTER: ${env.OTEL_TRACES_EXPORTER} is not one of otlp, console, none`,
    );
  }
  return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    ? 'otlp'
    : undefined;
};

/**
 * Registers the OpenTelemetry SDK when the environment asks for traces. Off, the SDK is never imported: the adapters'
 * spans stay the API's no-ops and cost nothing measurable.
 */
export const startTracing = async (env: NodeJS.ProcessEnv = process.env): Promise<Tracing> => {
  const exporter = tracesExporter(env);
  if (!exporter) return OFF;
  const { registerSdk } = await import('./registerSdk.js');
  return registerSdk(exporter, env);
};

/** Flushes the spans not yet exported and stops the exporter; a failure is logged, not thrown. */
export const stopTracing = (tracing: Tracing, logger: Logger): Promise<void> =>
  tracing
    .shutdown()
    .catch((error: unknown) => logger.warn({ err: error }, 'flushing the traces failed'));
