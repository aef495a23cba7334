import {
  type Attributes,
  context,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type pg from 'pg';
import { createSummaryCache } from './querySummary.js';

export const TRACER_NAME = '@oms/adapters-pg';

export interface TracePoolOptions {
  /** Default: the global tracer provider's (a no-op until an OpenTelemetry SDK is registered). */
  readonly tracer?: Tracer;
}

type QueryFunction = (...args: unknown[]) => unknown;

/** `db.namespace`, `server.address` and `server.port` of the pool's connection string or options. */
const connectionAttributes = (options: pg.PoolConfig): Attributes => {
  let database = options.database;
  let host = options.host;
  let port = options.port === undefined ? undefined : Number(options.port);
  if (options.connectionString) {
    try {
      const url = new URL(options.connectionString);
      database ??= decodeURIComponent(url.pathname.slice(1)) || undefined;
      host ??= url.hostname || undefined;
      port ??= url.port ? Number(url.port) : 5432;
    } catch {
      // a key=value connection string: its attributes stay unknown
    }
  }
  return {
    'db.system.name': 'postgresql',
    ...(database ? { 'db.namespace': database } : {}),
    ...(host ? { 'server.address': host } : {}),
    ...(port !== undefined && Number.isFinite(port) ? { 'server.port': port } : {}),
  };
};

const sqlOf = (first: unknown): string | undefined =>
  typeof first === 'string'
    ? first
    : typeof first === 'object' && first !== null && 'text' in first
      ? String((first as { text: unknown }).text)
      : undefined;

/**
 * One CLIENT span per statement, named by its `db.query.summary`, with OpenTelemetry's database attributes. Parameter
 * values and the statement text are never recorded (literals in the text could be personal data).
 */
const tracedQuery = (
  query: QueryFunction,
  tracer: Tracer,
  base: Attributes,
  summarize: ReturnType<typeof createSummaryCache>,
): QueryFunction =>
  function traced(this: unknown, ...args: unknown[]) {
    const sql = sqlOf(args[0]);
    // the callback form and submittables (cursors) pass through untraced: the adapters use neither. Nor is a statement
    // outside any span traced (the relay's polling, a lease check): a trace per poll would bury the ones that matter.
    if (
      sql === undefined ||
      typeof args.at(-1) === 'function' ||
      trace.getSpan(context.active()) === undefined
    )
      return query.apply(this, args);
    const { summary, operation, collection } = summarize(sql);
    const span = tracer.startSpan(summary, {
      kind: SpanKind.CLIENT,
      attributes: {
        ...base,
        'db.query.summary': summary,
        'db.operation.name': operation,
        ...(collection ? { 'db.collection.name': collection } : {}),
      },
    });
    const result = query.apply(this, args) as Promise<pg.QueryResult> | unknown;
    if (!(result instanceof Promise)) {
      span.end();
      return result;
    }
    return result.then(
      (answer: pg.QueryResult) => {
        if (span.isRecording() && typeof answer?.rowCount === 'number')
          span.setAttribute('db.response.returned_rows', answer.rowCount);
        span.end();
        return answer;
      },
      (error: unknown) => {
        const code = (error as { code?: unknown })?.code;
        span.setAttributes({
          'error.type':
            typeof code === 'string' ? code : error instanceof Error ? error.name : 'error',
          ...(typeof code === 'string' ? { 'db.response.status_code': code } : {}),
        });
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        throw error;
      },
    );
  };

/**
 * Traces the statements of a pool: `pool.query` and the queries of a client checked out with `await pool.connect()`
 * (while it is checked out). The span starts in the caller's context, so it is the child of the command or request
 * that ran the statement; a statement run outside any span makes none. With no OpenTelemetry SDK registered nothing
 * is recorded.
 */
export const tracePool = (pool: pg.Pool, { tracer }: TracePoolOptions = {}): pg.Pool => {
  const use = tracer ?? trace.getTracer(TRACER_NAME);
  const base = connectionAttributes(pool.options);
  const summarize = createSummaryCache();
  const query = pool.query as unknown as QueryFunction;
  (pool as { query: unknown }).query = tracedQuery(query.bind(pool), use, base, summarize);
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { connect: unknown }).connect = (...args: unknown[]) => {
    // the callback form is the pool's own (pool.query checks out through it): its statements are traced already
    if (args.length > 0) return connect(...args);
    return (connect() as Promise<pg.PoolClient>).then((client) => {
      const own = client as { query: unknown; release: unknown };
      const release = client.release;
      own.query = tracedQuery(
        client.query.bind(client) as unknown as QueryFunction,
        use,
        base,
        summarize,
      );
      own.release = (...releaseArgs: unknown[]) => {
        // back in the pool, the client is the pool's: its own query method again
        delete (own as { query?: unknown }).query;
        own.release = release;
        return (release as (...a: unknown[]) => unknown).apply(client, releaseArgs);
      };
      return client;
    });
  };
  return pool;
};
