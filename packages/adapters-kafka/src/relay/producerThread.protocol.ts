import type { ProducerConfig, RetryOptions, SASLOptions } from 'kafkajs';
import type { OutboundRecord } from './publisher.port.js';

/**
 * The kafkajs client settings a producer thread builds its own client from: plain data only, since they are
 * copied to a worker thread (no functions: no custom socket factory, SASL provider or log creator).
 */
export interface ProducerThreadClient {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly ssl?: boolean;
  /** PLAIN, SCRAM or AWS (OAUTHBEARER's token provider is a function: it cannot cross). */
  readonly sasl?: Exclude<SASLOptions, { mechanism: 'oauthbearer' }>;
  readonly connectionTimeout?: number;
  readonly requestTimeout?: number;
  readonly retry?: Omit<RetryOptions, 'restartOnFailure'>;
}

/** What the worker is started with. */
export interface ProducerThreadData {
  readonly client: ProducerThreadClient;
  /** Plain data too (a custom `createPartitioner` cannot cross: the default partitioner is used). */
  readonly producer: ProducerConfig;
  readonly compression: number;
  readonly compressMinBytes: number;
  readonly timeoutMs: number;
  /** kafkajs log level of the thread's client (its entries are passed to the main thread's `onLog`). */
  readonly logLevel: number;
}

/** One operation of the publisher. */
export type ProducerThreadOp =
  | { readonly op: 'connect' | 'disconnect' }
  | { readonly op: 'publish'; readonly records: readonly OutboundRecord[] };

/**
 * From the main thread: an operation, answered by a reply with the same id. `failuresSeen` is how many failed
 * publishes the main thread had been answered when it sent this one: a publish sent before it learnt of a failure
 * (the thread has seen more) is refused unsent, so that nothing behind a failed request overtakes it.
 */
export type ToProducerThread = ProducerThreadOp & {
  readonly id: number;
  readonly failuresSeen: number;
};

/** An error as it crosses threads: its name and message (a client error's own fields do not cross). */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
}

export type ThreadPartitionResult =
  | {
      readonly topic: string;
      readonly partition: number;
      readonly ok: true;
      readonly baseOffset?: string;
    }
  | {
      readonly topic: string;
      readonly partition: number;
      readonly ok: false;
      readonly error: ThreadError;
    };

/** From the worker: a reply, or one of its client's log entries. */
export type FromProducerThread =
  | {
      readonly kind: 'reply';
      readonly id: number;
      readonly ok: true;
      readonly results?: readonly ThreadPartitionResult[];
      /** Failed publishes so far (one whose results hold a refused partition counts). */
      readonly failures: number;
    }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: ThreadError }
  /** A publish refused unsent: an earlier one failed after it was sent. */
  | {
      readonly kind: 'reply';
      readonly id: number;
      readonly ok: 'not-sent';
      readonly failures: number;
    }
  | {
      readonly kind: 'log';
      readonly level: number;
      readonly message: string;
      readonly fields: Readonly<Record<string, unknown>>;
    };

export const toThreadError = (error: unknown): ThreadError =>
  error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };

export const fromThreadError = ({ name, message }: ThreadError): Error => {
  const error = new Error(message);
  error.name = name;
  return error;
};
