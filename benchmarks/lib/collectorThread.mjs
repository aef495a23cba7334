// A topic collector in a worker thread of its own: the consumer that measures commit -> consumed does not share the
// event loop of the relay it measures (in production it is another service). Measured on the mock: with the
// collector on the relay's thread, its fetches and decoding added 40-50 ms to the p99 of the relay and of the raw
// producer alike.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

if (!isMainThread && workerData?.collectorThread) {
  const { startTopicCollector } = await import('@oms/adapters-kafka/testing');
  const { brokers, topics, maxWaitTimeInMs } = workerData;
  const collector = await startTopicCollector({
    brokers,
    topics,
    fromBeginning: false,
    maxWaitTimeInMs,
    onMessage: ({ topic, key, headers, receivedAt }) =>
      parentPort.postMessage({ kind: 'message', topic, key, ceId: headers.ce_id, receivedAt }),
  });
  parentPort.on('message', async (request) => {
    if (request !== 'stop') return;
    await collector.stop();
    parentPort.postMessage({ kind: 'stopped' });
  });
  parentPort.postMessage({ kind: 'ready' });
}

/**
 * Starts a collector of `topics` (from their end) in a worker thread. Each message reaches `onMessage` as
 * `{ topic, key, ceId, receivedAt }`, `receivedAt` taken in the worker when it was fetched. Returns
 * `{ waitFor(predicate, timeoutMs), stop() }`, as `startTopicCollector` does.
 */
export const startCollectorThread = ({ brokers, topics, maxWaitTimeInMs, onMessage }) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { collectorThread: true, brokers: [...brokers], topics, maxWaitTimeInMs },
    });
    const messages = [];
    const waiters = new Set();
    let onStopped = () => undefined;
    const collector = {
      waitFor: (predicate, timeoutMs) =>
        new Promise((found, timedOut) => {
          const check = () => {
            if (!predicate(messages)) return;
            clearTimeout(timer);
            waiters.delete(check);
            found(messages);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            timedOut(new Error(`timed out after ${timeoutMs} ms with ${messages.length} messages`));
          }, timeoutMs);
          waiters.add(check);
          check();
        }),
      stop: async () => {
        await new Promise((stopped) => {
          onStopped = stopped;
          worker.postMessage('stop');
        });
        await worker.terminate();
      },
    };
    worker.once('error', reject);
    // a worker that died has nothing left to stop
    worker.once('exit', () => onStopped());
    worker.on('message', (message) => {
      if (message.kind === 'ready') resolve(collector);
      else if (message.kind === 'stopped') onStopped();
      else {
        messages.push(message);
        onMessage?.(message);
        for (const check of waiters) check();
      }
    });
  });
