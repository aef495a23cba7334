import type { ReadBarrierBlocker, ReadBarrierStatus } from '@oms/adapters-pg';
import type { InfrastructureError } from '@oms/domain';
import type { ResultAsync } from 'neverthrow';
import { Gauge, type Registry } from 'prom-client';

export interface ReadBarrierWatchLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface ReadBarrierWatchOptions {
  /** The store's view of what holds the global reader back (`readBarrierStatus(pool)`). */
  readonly read: () => ResultAsync<ReadBarrierStatus, InfrastructureError>;
  readonly registry: Registry;
  readonly logger: ReadBarrierWatchLogger;
  /** How often the barrier is looked at (default 5 s). */
  readonly intervalMs?: number;
  /** Readers blocked at least this long are reported in the log (default 5 s). */
  readonly logAfterSeconds?: number;
}

export interface ReadBarrierWatch {
  /** One look: updates the gauges, and logs a new blocker once, and its end once. */
  check(): Promise<void>;
  stop(): void;
}

const blockerKey = (blocker: ReadBarrierBlocker): string =>
  blocker.preparedGid !== null ? `gid:${blocker.preparedGid}` : `pid:${blocker.pid}`;

/**
 * Shows on `/metrics` and in the log when the relay's reader waits for an append still in flight (an application
 * that appended inside its own transaction and left it open, a prepared transaction): how long, how many committed
 * events wait behind it, and who it is (pid and application, or the prepared transaction's gid).
 */
export const watchReadBarrier = ({
  read,
  registry,
  logger,
  intervalMs = 5_000,
  logAfterSeconds = 5,
}: ReadBarrierWatchOptions): ReadBarrierWatch => {
  const blockedSeconds = new Gauge({
    name: 'oms_event_reader_blocked_seconds',
    help: 'How long committed events have waited for an append still in flight before the relay may read them',
    registers: [registry],
  });
  const heldBack = new Gauge({
    name: 'oms_event_reader_held_back_events',
    help: 'Committed events the relay may not read yet because an earlier append is still in flight (up to 10,000)',
    registers: [registry],
  });
  const blockerInfo = new Gauge({
    name: 'oms_event_reader_blocker_info',
    help: 'The append in flight that holds the relay back: 1 for its pid, application and prepared gid',
    labelNames: ['pid', 'application', 'prepared_gid'],
    registers: [registry],
  });
  let reported: string | undefined;

  const check = async (): Promise<void> => {
    const status = await read();
    if (status.isErr()) return;
    const { blocker } = status.value;
    blockedSeconds.set(status.value.blockedSeconds);
    heldBack.set(status.value.heldBack);
    blockerInfo.reset();
    const blocking = blocker !== null && status.value.heldBack > 0;
    if (blocking)
      blockerInfo.set(
        {
          pid: String(blocker.pid ?? ''),
          application: blocker.applicationName ?? '',
          prepared_gid: blocker.preparedGid ?? '',
        },
        1,
      );
    if (blocking && status.value.blockedSeconds >= logAfterSeconds) {
      const key = blockerKey(blocker);
      if (key !== reported) {
        reported = key;
        logger.warn(
          {
            pid: blocker.pid,
            application: blocker.applicationName,
            state: blocker.state,
            preparedGid: blocker.preparedGid,
            blockedSeconds: status.value.blockedSeconds,
            heldBack: status.value.heldBack,
          },
          blocker.preparedGid !== null
            ? `the relay is waiting for prepared transaction '${blocker.preparedGid}' (COMMIT PREPARED or ROLLBACK PREPARED ends it)`
            : `the relay is waiting for an append in flight in backend pid ${blocker.pid} (${blocker.state ?? 'unknown state'}); its statement or idle-in-transaction timeout ends it`,
        );
      }
    } else if (!blocking && reported !== undefined) {
      logger.info({ blocker: reported }, 'the relay is no longer waiting for an append in flight');
      reported = undefined;
    }
  };

  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void check().finally(() => {
      running = false;
    });
  }, intervalMs);
  timer.unref();

  return { check, stop: () => clearInterval(timer) };
};
