import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { KafkaParts } from './kafka.js';

/** The relay's and the consumer's health on `/metrics`: lag, failures, parked events, dead letters. */
export const registerKafkaMetrics = (registry: Registry, { relay, consumer }: KafkaParts): void => {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  if (relay) {
    gauge(
      'oms_relay_lag_events',
      'Committed events not yet published to Kafka',
      () => relay.lag().events,
    );
    gauge(
      'oms_relay_lag_seconds',
      'Age of the oldest committed event not yet published to Kafka',
      () => relay.lag().seconds,
    );
    gauge(
      'oms_relay_failures_total',
      'Relay runs that failed (broker, store, checkpoint, lease, missing topic) since start',
      () => relay.lag().failuresTotal,
    );
    gauge(
      'oms_relay_parked_events',
      'Events too large to publish, parked until an operator retries or skips them (pnpm oms relay parked)',
      () => relay.lag().parked,
    );
    gauge('oms_relay_failed', '1 while the relay is stopped by a missing topic', () =>
      relay.lag().status === 'failed' ? 1 : 0,
    );
  }
  if (consumer) {
    gauge(
      'oms_consumer_dead_lettered_total',
      'Inbound messages written to the dead-letter topic since start',
      () => consumer.stats().deadLettered,
    );
    gauge(
      'oms_consumer_retries_total',
      'Inbound message attempts that failed and were retried since start',
      () => consumer.stats().retried,
    );
    gauge(
      'oms_consumer_deferred_messages',
      'Inbound messages waiting for their order to allow them (delivered before shipped)',
      () => consumer.stats().deferred,
    );
    gauge(
      'oms_consumer_lag_messages',
      'Inbound messages behind the end of the assigned partitions (as of the last fetched batch)',
      () => consumer.stats().lag,
    );
  }
};
