import { type ChildProcess, spawn } from 'node:child_process';

export interface TestKafka {
  /** Broker addresses (`host:port`). */
  readonly brokers: readonly string[];
  /** True for kcat's mock cluster, false for a cluster given as KAFKA_BROKERS. */
  readonly mock: boolean;
  /** How the mock cluster's kcat ended when it died before `stop()` (a crash under load), with its last stderr. */
  died(): string | undefined;
  stop(): Promise<void>;
}

export interface StartTestKafkaOptions {
  /** Number of mock brokers (default 3). */
  readonly brokers?: number;
  /** A cluster to use instead of the mock (default: `process.env.KAFKA_BROKERS`, comma-separated). */
  readonly external?: string;
  /** Path of kcat (default `kcat`). */
  readonly kcat?: string;
  readonly startTimeoutMs?: number;
}

const MARKER = 'replaced with ';

/**
 * A real Kafka-protocol broker for tests: KAFKA_BROKERS when set, otherwise librdkafka's mock cluster hosted by
 * kcat. The mock runs while kcat's stdin stays open; `stop()` ends stdin and waits for kcat to exit.
 */
export const startTestKafka = async (options: StartTestKafkaOptions = {}): Promise<TestKafka> => {
  const external = options.external ?? process.env.KAFKA_BROKERS;
  if (external !== undefined && external.trim() !== '') {
    const brokers = external
      .split(',')
      .map((broker) => broker.trim())
      .filter((broker) => broker !== '');
    return { brokers, mock: false, died: () => undefined, stop: async () => {} };
  }
  const child = spawn(
    options.kcat ?? 'kcat',
    [
      '-q',
      '-X',
      `test.mock.num.brokers=${options.brokers ?? 3}`,
      '-P',
      '-t',
      '__kmock_idle',
      '-b',
      'localhost:1',
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  const brokers = await brokersOf(child, options.startTimeoutMs ?? 10_000);
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2_000);
  });
  let death: string | undefined;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else
      child.once('exit', (code, signal) => {
        if (stopped === undefined)
          death = `kcat exited (${signal ?? code}) at ${new Date().toISOString()}: ${stderrTail.trim().slice(-500)}`;
        resolve();
      });
  });
  let stopped: Promise<void> | undefined;
  return {
    brokers,
    mock: true,
    died: () => death,
    stop: () => {
      stopped ??= (async () => {
        child.stdin?.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
};

const brokersOf = (child: ChildProcess, timeoutMs: number): Promise<string[]> =>
  new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat mock cluster did not report its brokers: ${stderr}`));
    }, timeoutMs);
    const done = (error?: Error, brokers?: string[]) => {
      clearTimeout(timer);
      child.stderr?.removeAllListeners('data');
      // keep draining stderr so kcat never blocks on a full pipe
      child.stderr?.resume();
      if (error) reject(error);
      else resolve(brokers ?? []);
    };
    child.once('error', (error) => done(error));
    child.once('exit', (code) =>
      done(new Error(`kcat exited (${code}) before starting: ${stderr}`)),
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const at = stderr.indexOf(MARKER);
      if (at < 0) return;
      const line = stderr.slice(at + MARKER.length).split('\n')[0];
      if (line === undefined || !stderr.slice(at).includes('\n')) return;
      child.removeAllListeners('exit');
      done(
        undefined,
        line
          .trim()
          .split(',')
          .map((broker) => broker.trim())
          .filter((broker) => broker !== ''),
      );
    });
  });
