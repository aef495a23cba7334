import { describe, expect, it } from 'vitest';
import { defaultHeartbeatInterval } from './heartbeatInterval.js';

describe('defaultHeartbeatInterval', () => {
  it('is 3 s for the default 30 s session, and a third of a session shorter than 9 s', () => {
    expect(defaultHeartbeatInterval(30_000)).toBe(3_000);
    expect(defaultHeartbeatInterval(9_000)).toBe(3_000);
    expect(defaultHeartbeatInterval(6_000)).toBe(2_000);
    expect(defaultHeartbeatInterval(1_000)).toBe(333);
  });
});
