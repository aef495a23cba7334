import pino, { type Logger } from 'pino';

/** JSON lines; pretty when a person is watching the terminal. */
export const createLogger = (level: string): Logger =>
  pino({
    level,
    base: { service: 'oms-order-intake' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(process.stdout.isTTY
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  });
