import { createReadRouting, type ReadRouting } from '@oms/adapters-pg';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Config } from './config.js';

/**
 * Reads over DATABASE_READ_URL (a streaming replica), with read-your-writes by consistency token, and its health on
 * `/metrics`: `oms_read_replica_up`, `oms_read_replica_lag_seconds`, `oms_read_replica_lag_bytes`, and
 * `oms_reads_total{served_by, reason}` (where each GET and list was served, and why).
 */
export const startReadReplica = (
  config: Config,
  logger: Logger,
  registry: Registry,
  pools: { readonly primary: pg.Pool; readonly replica: pg.Pool },
): ReadRouting => {
  const reads = new Counter({
    name: 'oms_reads_total',
    help: 'GET and list reads by where they were served (replica, primary) and why',
    labelNames: ['served_by', 'reason'],
    registers: [registry],
  });
  let wasUp: boolean | undefined;
  const routing = createReadRouting({
    ...pools,
    waitMillis: config.OMS_READ_REPLICA_WAIT_MS,
    maxLagMillis: config.OMS_READ_REPLICA_MAX_LAG_MS,
    onRead: (source, reason) => {
      reads.inc({ served_by: source, reason });
      const up = routing.status().up;
      if (up !== wasUp && wasUp !== undefined)
        logger[up ? 'info' : 'warn'](
          up ? 'read replica serving again' : 'read replica unavailable: reads go to the primary',
        );
      wasUp = up;
    },
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('oms_read_replica_up', '1 while the read replica answers and is in recovery', () =>
    routing.status().up ? 1 : 0,
  );
  gauge(
    'oms_read_replica_lag_seconds',
    'How long ago the primary was at a WAL position the replica has not replayed yet (0: caught up)',
    () => routing.status().lagSeconds,
  );
  gauge(
    'oms_read_replica_lag_bytes',
    'WAL bytes written on the primary and not yet replayed on the replica',
    () => routing.status().lagBytes,
  );
  return routing;
};
