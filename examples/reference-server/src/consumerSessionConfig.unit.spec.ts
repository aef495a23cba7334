import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('OMS_CONSUMER_SESSION_TIMEOUT_MS', () => {
  const base = { DATABASE_URL: 'postgres://localhost/oms' };

  it('is 30 s by default and takes any value brokers accept by default (6 s to 30 min)', () => {
    expect(loadConfig(base).OMS_CONSUMER_SESSION_TIMEOUT_MS).toBe(30_000);
    for (const value of [6_000, 10_000, 1_800_000])
      expect(
        loadConfig({ ...base, OMS_CONSUMER_SESSION_TIMEOUT_MS: String(value) })
          .OMS_CONSUMER_SESSION_TIMEOUT_MS,
      ).toBe(value);
  });

  it('refuses a value outside that range, naming the variable', () => {
    for (const value of ['5999', '1800001', '10s']) {
      const load = () => loadConfig({ ...base, OMS_CONSUMER_SESSION_TIMEOUT_MS: value });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/^invalid configuration: OMS_CONSUMER_SESSION_TIMEOUT_MS: /);
    }
  });
});
