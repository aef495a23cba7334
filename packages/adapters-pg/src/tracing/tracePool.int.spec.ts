import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool } from '../pool.js';
import { createTestDatabase, type TestDatabase } from '../testing/createTestDatabase.js';

let db: TestDatabase;
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
  provider.register();
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  await db?.drop();
});
afterEach(() => exporter.reset());

/** Runs `work` inside a parent span and returns the statement spans it made, with the parent's ids. */
const underParent = async (work: () => Promise<unknown>) => {
  const parent = tracer.startSpan('parent');
  await context.with(trace.setSpan(context.active(), parent), work).catch(() => undefined);
  parent.end();
  const spans = exporter.getFinishedSpans().filter((span) => span.name !== 'parent');
  return { spans, parent: parent.spanContext() };
};

describe('tracePool (createPool with tracing)', () => {
  it('makes one CLIENT span per statement, a child of the caller, named by its summary, without values', async () => {
    const pool = createPool(db.url, { max: 2 });
    try {
      const secret = 'ada.lovelace@example.com';
      const { spans, parent } = await underParent(() =>
        pool.query(`SELECT $1::text AS email, 'literal-secret' AS other FROM pg_class LIMIT 1`, [
          secret,
        ]),
      );
      expect(spans).toHaveLength(1);
      const [span] = spans;
      expect(span?.name).toBe('SELECT pg_class');
      expect(span?.kind).toBe(SpanKind.CLIENT);
      expect(span?.parentSpanContext?.spanId).toBe(parent.spanId);
      expect(span?.spanContext().traceId).toBe(parent.traceId);
      const url = new URL(db.url);
      expect(span?.attributes).toEqual({
        'db.system.name': 'postgresql',
        'db.namespace': url.pathname.slice(1),
        'server.address': url.hostname,
        'server.port': Number(url.port),
        'db.query.summary': 'SELECT pg_class',
        'db.operation.name': 'SELECT',
        'db.collection.name': 'pg_class',
        'db.response.returned_rows': 1,
      });
      const recorded = JSON.stringify(span?.attributes);
      expect(recorded).not.toContain(secret);
      expect(recorded).not.toContain('literal-secret');
    } finally {
      await pool.end();
    }
  });

  it('records a failed statement with its SQLSTATE as error.type', async () => {
    const pool = createPool(db.url, { max: 1 });
    try {
      const { spans } = await underParent(() => pool.query('SELECT * FROM no_such_table'));
      expect(spans).toHaveLength(1);
      expect(spans[0]?.status.code).toBe(SpanStatusCode.ERROR);
      expect(spans[0]?.attributes['error.type']).toBe('42P01');
      expect(spans[0]?.attributes['db.response.status_code']).toBe('42P01');
    } finally {
      await pool.end();
    }
  });

  it('traces a checked-out client while it is out, and pool.query once after it is back', async () => {
    const pool = createPool(db.url, { max: 1 });
    try {
      const { spans, parent } = await underParent(async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('SELECT 1');
          await client.query('COMMIT');
        } finally {
          client.release();
        }
        // the same connection, now through the pool: one span, not two
        await pool.query('SELECT 2');
      });
      expect(spans.map((span) => span.name)).toEqual(['BEGIN', 'SELECT', 'COMMIT', 'SELECT']);
      expect(spans.every((span) => span.parentSpanContext?.spanId === parent.spanId)).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it('makes no span for a statement outside any span (the relay polling, a lease check)', async () => {
    const pool = createPool(db.url, { max: 1 });
    try {
      await pool.query('SELECT 1');
      expect(exporter.getFinishedSpans()).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('makes no span with tracing off', async () => {
    const pool = createPool(db.url, { max: 1, tracing: false });
    try {
      const { spans } = await underParent(() => pool.query('SELECT 1'));
      expect(spans).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
