import { describe, expect, it } from 'vitest';
import { startTracing, tracesExporter } from './startTracing.js';

describe('tracesExporter (the standard OTEL_* variables)', () => {
  it.each([
    [{}, undefined],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }, 'otlp'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, 'otlp'],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, 'otlp'],
    [{ OTEL_TRACES_EXPORTER: ' Console ' }, 'console'],
    [
      { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
      undefined,
    ],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, undefined],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '' }, undefined],
  ] as const)('%o → %s', (env, expected) => {
    expect(tracesExporter(env)).toBe(expected);
  });

  it('refuses an exporter it does not have, naming the variable', () => {
    expect(() => tracesExporter({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(
      /OTEL_TRACES_EXPORTER/,
    );
  });

  it('is off, and loads nothing, without those variables', async () => {
    const tracing = await startTracing({});
    expect(tracing.enabled).toBe(false);
    await tracing.shutdown();
  });
});
