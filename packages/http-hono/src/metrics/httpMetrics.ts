import { Counter, Histogram, type Registry } from 'prom-client';

export interface HttpMetrics {
  readonly registry: Registry;
  readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly commands: Counter<'type' | 'outcome'>;
  readonly shopifyDeliveries: Counter<'topic' | 'outcome'>;
}

/** The API's Prometheus metrics, registered on the given registry (one per app, so apps never collide). */
export const createHttpMetrics = (registry: Registry): HttpMetrics => ({
  registry,
  requestDuration: new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  commands: new Counter({
    name: 'oms_commands_total',
    help: 'Order commands by type and outcome (ok, replayed, or the error code)',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  }),
  shopifyDeliveries: new Counter({
    name: 'oms_shopify_webhooks_total',
    help: 'Shopify webhook deliveries by topic and outcome (processed, replayed, duplicate, parked, ignored, retry, unauthorized)',
    labelNames: ['topic', 'outcome'],
    registers: [registry],
  }),
});
