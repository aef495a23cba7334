import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { logLevel, type ProducerConfig } from 'kafkajs';
import { DEFAULT_COMPRESS_MIN_BYTES } from './kafkajsPublisher.js';
import {
  type FromProducerThread,
  fromThreadError,
  type ProducerThreadClient,
  type ProducerThreadData,
  type ProducerThreadOp,
  type ThreadPartitionResult,
  type ToProducerThread,
} from './producerThread.protocol.js';
import type { OutboundRecord, PartitionResult, RecordPublisher } from './publisher.port.js';

/** A log entry of the producer thread's kafkajs client (kafkajs levels: 1 error, 2 warn, 4 info, 5 debug). */
export interface ProducerThreadLog {
  readonly level: number;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** What a relay needs to run its producer in a worker thread (`RelayDeps.producerThread`). */
export interface ProducerThreadSettings {
  readonly client: ProducerThreadClient;
  /** kafkajs log level in the thread (default WARN). */
  readonly logLevel?: number;
  /** Where the thread's client logs go (default: nowhere). */
  readonly onLog?: (entry: ProducerThreadLog) => void;
}

export interface ThreadedPublisherOptions extends ProducerThreadSettings {
  readonly producer?: ProducerConfig;
  readonly compression: number;
  /** Requests smaller than this go uncompressed (see `createKafkajsPublisher`). */
  readonly compressMinBytes?: number;
  readonly timeoutMs: number;
}

const WORKER_FILE = 'relay-publisher-worker.js';

/**
 * The built worker: beside this module in the package's `dist` (ESM, CommonJS and their shared chunks all live
 * there); when this module runs from the sources (the package's own tests), the one in `dist`.
 */
const workerUrl = (): URL => {
  const beside = new URL(`./${WORKER_FILE}`, import.meta.url);
  return existsSync(fileURLToPath(beside))
    ? beside
    : new URL(`../../dist/${WORKER_FILE}`, import.meta.url);
};

/** A request refused unsent: every topic of it failed (partition -1), so the relay publishes it again. */
const notSent = (records: readonly OutboundRecord[]): PartitionResult[] =>
  [...new Set(records.map(({ topic }) => topic))].map((topic) => ({
    topic,
    partition: -1,
    ok: false,
    error: new Error(
      "not sent: a request before it failed (sent again after it, to keep each partition's order)",
    ),
  }));

const toPartitionResult = (result: ThreadPartitionResult): PartitionResult =>
  result.ok ? result : { ...result, error: fromThreadError(result.error) };

/**
 * A `RecordPublisher` whose kafkajs producer runs in a worker thread: the thread serializes, compresses and sends
 * each request while the calling thread reads and maps the next batch, so the two overlap on two cores. The
 * records cross by structured clone (a copy of their strings). Results and failures are those of
 * `createKafkajsPublisher`. Requests are pipelined: the thread sends them one after the other in call order, and
 * once one fails, those sent before the failure was answered are refused unsent. A thread that dies fails what it
 * had in flight (published again by the relay, as after any failed request); the next request starts a new one.
 */
export const createThreadedPublisher = (options: ThreadedPublisherOptions): RecordPublisher => {
  const data: ProducerThreadData = {
    client: options.client,
    producer: options.producer ?? {},
    compression: options.compression,
    compressMinBytes: options.compressMinBytes ?? DEFAULT_COMPRESS_MIN_BYTES,
    timeoutMs: options.timeoutMs,
    logLevel: options.logLevel ?? logLevel.WARN,
  };
  // settings that cannot cross to a thread (a function in the producer config) fail here, not at the first publish
  structuredClone(data);

  let worker: Worker | undefined;
  let connected = false;
  let nextId = 0;
  /** Failed publishes the thread has told of (see ToProducerThread). */
  let failuresSeen = 0;
  const waiting = new Map<
    number,
    {
      readonly resolve: (results: readonly ThreadPartitionResult[] | undefined) => void;
      readonly reject: (error: Error) => void;
    }
  >();

  const failAll = (error: Error) => {
    for (const request of waiting.values()) request.reject(error);
    waiting.clear();
  };

  const start = (): Worker => {
    const thread = new Worker(workerUrl(), { workerData: data });
    // the thread keeps the process alive only while a request waits for it
    thread.unref();
    thread.on('message', (message: FromProducerThread) => {
      if (message.kind === 'log') {
        options.onLog?.(message);
        return;
      }
      const request = waiting.get(message.id);
      if (!request) return;
      waiting.delete(message.id);
      if (waiting.size === 0) thread.unref();
      if (message.ok === false) {
        request.reject(fromThreadError(message.error));
        return;
      }
      failuresSeen = Math.max(failuresSeen, message.failures);
      if (message.ok === 'not-sent') request.resolve(undefined);
      else request.resolve(message.results ?? []);
    });
    thread.on('error', (error) => failAll(error));
    thread.on('exit', (code) => {
      if (worker === thread) {
        worker = undefined;
        connected = false;
      }
      failAll(new Error(`the relay's producer thread exited (code ${code})`));
    });
    return thread;
  };

  const request = (
    message: ProducerThreadOp,
  ): Promise<readonly ThreadPartitionResult[] | undefined> => {
    worker ??= start();
    const thread = worker;
    nextId += 1;
    const id = nextId;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      thread.ref();
      const sent: ToProducerThread = { ...message, id, failuresSeen };
      thread.postMessage(sent);
    });
  };

  const connect = async () => {
    await request({ op: 'connect' });
    connected = true;
  };

  return {
    pipelined: true,
    connect,
    async disconnect() {
      const thread = worker;
      if (!thread) return;
      try {
        await request({ op: 'disconnect' });
      } finally {
        if (worker === thread) {
          worker = undefined;
          connected = false;
        }
        await thread.terminate();
      }
    },
    async publish(records: readonly OutboundRecord[]) {
      // after the thread died, the next request starts a new one
      if (!connected) await connect();
      const results = await request({ op: 'publish', records });
      if (results === undefined) return notSent(records);
      return results.map(toPartitionResult);
    },
  };
};
