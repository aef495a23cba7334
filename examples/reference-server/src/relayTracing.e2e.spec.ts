import { type ChildProcess, spawnSync } from 'node:child_process';
import { startTestKafka, type TestKafka } from '@oms/adapters-kafka/testing';
import { createPgCheckpointStore, createTestDatabase, type TestDatabase } from '@oms/adapters-pg';
import { orderFixtures } from '@oms/domain/fixtures';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RELAY_NAME } from './kafka.js';
import { type OtlpReceiver, startOtlpReceiver } from './testing/otlpReceiver.js';
import { SERVER_CLI, spawnWithOutput } from './testing/serverProcess.js';

const PRODUCER = 4; // SpanKind.PRODUCER on the OTLP wire (SPAN_KIND_PRODUCER)

let db: TestDatabase;
let kafka: TestKafka;
let receiver: OtlpReceiver;
let relay: ChildProcess | undefined;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
  kafka = await startTestKafka();
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  if (relay?.exitCode === null) relay.kill('SIGKILL');
  await receiver?.stop();
  await kafka?.stop();
  await db?.drop();
});

const env = (): NodeJS.ProcessEnv => {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    KAFKA_BROKERS: kafka.brokers.join(','),
    // librdkafka's mock cluster: no idempotent producer, no CreateTopics (see kafka-testing.md)
    ...(kafka.mock ? { KAFKA_IDEMPOTENT: 'false', KAFKA_CREATE_TOPICS: 'false' } : {}),
    LOG_LEVEL: 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    // nothing leaves the batch processor on its timer: the spans arrive only if the relay flushes them on SIGTERM
    OTEL_BSP_SCHEDULE_DELAY: '600000',
  };
  for (const name of [
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'OTEL_TRACES_EXPORTER',
    'OTEL_SDK_DISABLED',
  ])
    delete childEnv[name];
  return childEnv;
};

const eventually = async (
  check: () => Promise<boolean>,
  what: () => string,
  timeoutMs = 60_000,
) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not in time: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('pnpm oms relay with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('exports a PRODUCER span per publish to the OTLP endpoint, flushed when it stops on SIGTERM', async () => {
    const created = spawnSync(
      process.execPath,
      [
        SERVER_CLI,
        'command',
        'CreateOrder',
        '--input',
        JSON.stringify(orderFixtures.seedCreateOrderBody()),
      ],
      { env: { ...env(), LOG_LEVEL: 'error' }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(created.status, created.stderr).toBe(0);
    const head = Number(
      (await db.pool.query<{ head: string }>('SELECT max(global_position) AS head FROM oms_events'))
        .rows[0]?.head,
    );
    expect(head).toBeGreaterThan(0);

    const { child, output, exited } = spawnWithOutput([SERVER_CLI, 'relay'], env());
    relay = child;
    const checkpoints = createPgCheckpointStore(db.pool);
    await eventually(
      async () => child.exitCode === null && (await checkpoints.load(RELAY_NAME)) >= head,
      () => `the relay did not publish the order (exit code ${child.exitCode}):\n${output()}`,
    );
    child.kill('SIGTERM');
    const code = await exited;
    const publish = receiver
      .spans()
      .find(
        (span) =>
          span.kind === PRODUCER &&
          span.attributes['messaging.destination.name'] === 'oms.orders.created',
      );
    expect(
      publish,
      `spans received: ${JSON.stringify(receiver.spans().map(({ name, kind }) => ({ name, kind })))}`,
    ).toBeDefined();
    expect(publish?.name).toBe('send oms.orders.created');
    expect(publish?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
    });
    expect(code, output()).toBe(0);
    // the start-up line names the exporter, as the server's does
    expect(output()).toMatch(/"tracing":"otlp"/);
  });
});
