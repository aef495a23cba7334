import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@oms/adapters-pg';
import { orderFixtures } from '@oms/domain/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import {
  makeServerDataDir,
  startServerProcess,
  stopServerProcess,
} from '../testing/serverProcess.js';

const RECORDER = fileURLToPath(new URL('../testing/recordOtelImports.mjs', import.meta.url));
const dataDir = makeServerDataDir('oms-otel-e2e-');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs the server process, creates an order, stops it: the @opentelemetry modules it resolved. */
const otelModulesOfARun = async (env: NodeJS.ProcessEnv): Promise<string[]> => {
  const log = join(dataDir, `imports-${Date.now()}.log`);
  writeFileSync(log, '');
  const server = await startServerProcess(await findFreePort(), dataDir, {
    NODE_OPTIONS: `--import ${RECORDER}`,
    OMS_OTEL_IMPORT_LOG: log,
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
    OTEL_TRACES_EXPORTER: '',
    ...env,
  });
  try {
    const created = await fetch(`${server.url}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(orderFixtures.seedCreateOrderBody()),
    });
    expect(created.status).toBe(201);
  } finally {
    expect(await stopServerProcess(server)).toBe(0);
  }
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
};

const SDK = /@opentelemetry\/(sdk-|exporter-|resources|otlp-|core|context-async-hooks)/;

describe('tracing off costs no SDK', () => {
  it('without OTEL_* exporter variables the server never loads an OpenTelemetry SDK module, only the API', async () => {
    const modules = await otelModulesOfARun({});
    expect(modules.some((url) => url.includes('@opentelemetry/api'))).toBe(true);
    expect(modules.filter((url) => SDK.test(url))).toEqual([]);
  });

  it('with OTEL_TRACES_EXPORTER=console it loads the SDK (the recorder sees SDK modules when they load)', async () => {
    const modules = await otelModulesOfARun({ OTEL_TRACES_EXPORTER: 'console' });
    expect(modules.some((url) => url.includes('@opentelemetry/sdk-trace-node'))).toBe(true);
  });
});
