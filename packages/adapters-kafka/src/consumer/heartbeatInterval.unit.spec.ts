import type { Consumer, ConsumerConfig } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createFakeKafka } from '../testing/fakeKafka.js';
import type { ConsumerOptions } from './consumer.types.js';
import { createConsumer } from './createConsumer.js';
import { defaultHeartbeatInterval } from './heartbeatInterval.js';

describe('defaultHeartbeatInterval', () => {
  it('is 3 s for the default 30 s session, and a third of a session shorter than 9 s', () => {
    expect(defaultHeartbeatInterval(30_000)).toBe(3_000);
    expect(defaultHeartbeatInterval(9_000)).toBe(3_000);
    expect(defaultHeartbeatInterval(6_000)).toBe(2_000);
    expect(defaultHeartbeatInterval(1_000)).toBe(333);
  });
});

describe('createConsumer: the kafkajs session and heartbeat', () => {
  /** The settings createConsumer gives kafkajs's consumer (it makes one at once). */
  const consumerSettings = (options: ConsumerOptions): ConsumerConfig => {
    const settings: ConsumerConfig[] = [];
    const stub = { on: () => () => undefined, events: {} } as unknown as Consumer;
    createConsumer({
      kafka: {
        ...createFakeKafka(),
        consumer: (config: ConsumerConfig) => {
          settings.push(config);
          return stub;
        },
      },
      execute: () => {
        throw new Error('not called');
      },
      options,
    });
    const [first] = settings;
    if (!first) throw new Error('no kafkajs consumer was made');
    return first;
  };

  it('heartbeats by the session kafkajs gets, however it is given', () => {
    expect(consumerSettings({})).toMatchObject({
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    expect(consumerSettings({ sessionTimeout: 6_000 })).toMatchObject({
      sessionTimeout: 6_000,
      heartbeatInterval: 2_000,
    });
    expect(
      consumerSettings({ sessionTimeout: 30_000, consumerConfig: { sessionTimeout: 7_500 } }),
    ).toMatchObject({ sessionTimeout: 7_500, heartbeatInterval: 2_500 });
    expect(consumerSettings({ sessionTimeout: 6_000, heartbeatInterval: 500 })).toMatchObject({
      heartbeatInterval: 500,
    });
  });
});
