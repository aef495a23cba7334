/**
 * The relay's producer thread (`createThreadedPublisher`): a kafkajs producer that serializes, compresses and sends
 * the records the main thread reads and maps, so that the two overlap on two cores instead of sharing one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Kafka } from 'kafkajs';
import { createKafkajsPublisher } from './kafkajsPublisher.js';
import {
  type FromProducerThread,
  type ProducerThreadData,
  type ThreadPartitionResult,
  type ToProducerThread,
  toThreadError,
} from './producerThread.protocol.js';

const port = parentPort;
if (!port) throw new Error('publisherWorker runs as a worker thread (createThreadedPublisher)');
const data = workerData as ProducerThreadData;
const post = (message: FromProducerThread) => port.postMessage(message);

/** A log field as plain data: an error becomes its message, what JSON cannot hold (a cycle) its string. */
const plainField = (value: unknown): unknown => {
  if (value instanceof Error) return value.message;
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint')
    return String(value);
  if (typeof value !== 'object' || value === null) return value;
  try {
    return JSON.parse(JSON.stringify(value));
  } catch {
    return String(value);
  }
};

const plainFields = (fields: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, plainField(value)]));

const kafka = new Kafka({
  ...data.client,
  brokers: [...data.client.brokers],
  logLevel: data.logLevel,
  logCreator:
    () =>
    ({ level, log }) => {
      const { message, ...fields } = log;
      post({ kind: 'log', level, message: String(message), fields: plainFields(fields) });
    },
});
const publisher = createKafkajsPublisher({
  producer: kafka.producer(data.producer),
  compression: data.compression,
  compressMinBytes: data.compressMinBytes,
  timeoutMs: data.timeoutMs,
});

/** Failed publishes so far: a publish sent before the main thread learnt of the last one is not sent. */
let failures = 0;

const perform = async (request: ToProducerThread): Promise<FromProducerThread> => {
  if (request.op !== 'publish') {
    await publisher[request.op]();
    return { kind: 'reply', id: request.id, ok: true, failures };
  }
  if (request.failuresSeen < failures)
    return { kind: 'reply', id: request.id, ok: 'not-sent', failures };
  const results = (await publisher.publish(request.records)).map(
    (result): ThreadPartitionResult =>
      result.ok ? result : { ...result, error: toThreadError(result.error) },
  );
  if (results.some((result) => !result.ok)) failures += 1;
  return { kind: 'reply', id: request.id, ok: true, results, failures };
};

/** One request at a time, in the order sent: a partition's records never overtake the ones before them. */
let queue: Promise<unknown> = Promise.resolve();
port.on('message', (request: ToProducerThread) => {
  queue = queue.then(() =>
    perform(request).then(post, (error: unknown) => {
      if (request.op === 'publish') failures += 1;
      post({ kind: 'reply', id: request.id, ok: false, error: toThreadError(error) });
    }),
  );
});
