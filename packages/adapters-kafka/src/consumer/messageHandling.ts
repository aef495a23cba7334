import type { CompressionTypes, KafkaMessage } from 'kafkajs';
import { messageOf } from '../errors.js';
import type { ProducerLike } from '../kafkaPorts.js';
import { backoffDelay, createSleeper } from '../relay/backoff.js';
import type { ConsumerOptions, InboundConsumerDeps } from './consumer.types.js';
import { deadLetterHeaders } from './deadLetterHeaders.js';
import { createDeferrals, type Deferred } from './deferrals.js';
import { type InboundMessage, type InboundOutcome, processInbound } from './processInbound.js';
import { traceProcess } from './traceProcess.js';

export interface MessageHandlingDeps {
  readonly execute: InboundConsumerDeps['execute'];
  readonly producer: ProducerLike;
  readonly options: ConsumerOptions;
  readonly groupId: string;
  readonly dlqTopic: string;
  readonly compression: CompressionTypes;
  readonly internalRetryMs: number;
  readonly deferMs: number;
  readonly maxDeferred: number;
  readonly now: () => Date;
  readonly report: (code: string, cause: unknown) => void;
  /** False once the consumer was stopped: a deferred message is then left for the next start. */
  readonly running: () => boolean;
  /** Commits a partition as far as it may go (see `createOffsetBook`). */
  readonly commit: (topic: string, partition: number) => Promise<void>;
}

/**
 * Runs inbound messages to an outcome: applied, ignored or dead-lettered (counted and reported through `onOutcome`),
 * retried with backoff while the failure is infrastructure, or deferred (see `deferrals.ts`) while it is not
 * possible yet.
 */
export const createMessageHandling = (deps: MessageHandlingDeps) => {
  const {
    producer,
    options,
    groupId,
    dlqTopic,
    compression,
    internalRetryMs,
    deferMs,
    maxDeferred,
    now,
    report,
  } = deps;

  const sleepers = new Set<ReturnType<typeof createSleeper>>();
  const counts = {
    applied: 0,
    replayed: 0,
    ignored: 0,
    deadLettered: 0,
    retried: 0,
    deferredTotal: 0,
  };

  const deadLetter = async (
    message: InboundMessage,
    raw: KafkaMessage,
    outcome: { code: string; reason: string },
  ): Promise<void> => {
    await producer.send({
      topic: dlqTopic,
      acks: -1,
      compression,
      messages: [
        {
          key: raw.key,
          value: raw.value,
          headers: deadLetterHeaders(message, outcome, groupId, now()),
        },
      ],
    });
  };

  const attemptOnce = async (message: InboundMessage): Promise<InboundOutcome> => {
    try {
      return await traceProcess(message, groupId, (traced) =>
        processInbound({ execute: deps.execute }, traced),
      );
    } catch (cause) {
      // a throwing adapter is a bug or an outage, not a verdict on the message: retried like `internal`
      return { kind: 'retry', code: 'internal', reason: messageOf(cause) };
    }
  };

  /** Records a final outcome (dead-letters first); throws when the dead-letter topic cannot be written. */
  const finish = async (
    message: InboundMessage,
    raw: KafkaMessage,
    outcome: Extract<InboundOutcome, { kind: 'applied' | 'ignored' | 'dead-letter' }>,
  ): Promise<void> => {
    if (outcome.kind === 'dead-letter') await deadLetter(message, raw, outcome);
    if (outcome.kind === 'dead-letter') counts.deadLettered += 1;
    else if (outcome.kind === 'ignored') counts.ignored += 1;
    else if (outcome.replayed) counts.replayed += 1;
    else counts.applied += 1;
    options.onOutcome?.(message, outcome);
    // what waited for this order may be possible now
    if (outcome.kind === 'applied') deferrals.orderChanged(outcome.orderId);
  };

  /** Drives a deferred message again: done, deferred once more, or dead-lettered once its time is up. */
  const redrive = async (deferred: Deferred): Promise<void> => {
    if (!deps.running()) return;
    const { message, raw } = deferred;
    let outcome = await attemptOnce(message);
    const waited = now().getTime() - deferred.since;
    if (outcome.kind === 'defer' || outcome.kind === 'retry') {
      const limit = outcome.kind === 'defer' ? deferMs : Math.max(deferMs, internalRetryMs);
      if (waited < limit) {
        if (outcome.kind === 'retry') {
          counts.retried += 1;
          report(outcome.code, outcome.reason);
        }
        deferrals.reschedule(deferred);
        return;
      }
      outcome = {
        kind: 'dead-letter',
        code: outcome.code,
        reason: `still not possible after ${Math.round(waited / 1000)} s: ${outcome.reason}`,
      };
    }
    try {
      await finish(message, raw, outcome);
      deferrals.settled(deferred);
      await deps.commit(message.topic, message.partition);
    } catch (cause) {
      counts.retried += 1;
      report('dead-letter-failed', cause);
      deferrals.reschedule(deferred);
    }
  };

  const deferrals = createDeferrals({
    backoff: options.deferBackoff ?? { initialMs: 500, maxMs: 30_000 },
    now: () => now().getTime(),
    redrive,
  });

  /**
   * Runs one message to an outcome, or defers it; false when the consumer stopped first (it will be redelivered).
   * Infrastructure failures hold the partition (every message behind would fail too), `internal` ones for at most
   * `internalRetryMs`.
   */
  const settle = async (
    message: InboundMessage,
    raw: KafkaMessage,
    alive: () => boolean,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> => {
    const sleeper = createSleeper();
    sleepers.add(sleeper);
    let firstInternal: number | undefined;
    try {
      for (let attempt = 0; alive(); attempt += 1) {
        let outcome = await attemptOnce(message);
        if (outcome.kind === 'retry' && outcome.code === 'internal') {
          firstInternal ??= now().getTime();
          const failingFor = now().getTime() - firstInternal;
          if (failingFor >= internalRetryMs)
            outcome = {
              kind: 'dead-letter',
              code: outcome.code,
              reason: `${outcome.reason} (still failing after ${attempt + 1} attempts over ${Math.round(failingFor / 1000)} s)`,
            };
        }
        if (outcome.kind === 'defer' && deferrals.size < maxDeferred) {
          deferrals.add(message, raw, outcome.orderId);
          counts.deferredTotal += 1;
          options.onOutcome?.(message, outcome);
          return true;
        }
        if (
          outcome.kind === 'applied' ||
          outcome.kind === 'ignored' ||
          outcome.kind === 'dead-letter'
        ) {
          try {
            await finish(message, raw, outcome);
            return true;
          } catch (cause) {
            counts.retried += 1;
            report('dead-letter-failed', cause);
          }
        } else {
          counts.retried += 1;
          report(outcome.code, outcome.reason);
        }
        await sleeper.sleep(backoffDelay(attempt, options.backoff));
        await heartbeat().catch((cause: unknown) => report('heartbeat-failed', cause));
      }
      return false;
    } finally {
      sleepers.delete(sleeper);
    }
  };

  return {
    settle,
    deferrals,
    counts,
    /** Ends the backoff sleeps of the messages being settled (the consumer is stopping). */
    wake: () => {
      for (const sleeper of sleepers) sleeper.wake();
    },
  };
};
