import type { ReadBarrierStatus } from '@oms/adapters-pg';
import type { InfrastructureError } from '@oms/domain';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type ReadBarrierWatch, watchReadBarrier } from './readBarrierWatch.js';

const free: ReadBarrierStatus = {
  barrier: 2048,
  head: 1024,
  appendsInFlight: 0,
  heldBack: 0,
  blockedSeconds: 0,
  blocker: null,
};
const blockedBy = (pid: number, seconds: number): ReadBarrierStatus => ({
  barrier: 3072,
  head: 5120,
  appendsInFlight: 1,
  heldBack: 2,
  blockedSeconds: seconds,
  blocker: {
    pid,
    applicationName: 'forgetful-caller',
    state: 'idle in transaction',
    preparedGid: null,
    position: 3072,
    transactionSeconds: seconds + 1,
  },
});

let watch: ReadBarrierWatch | undefined;
afterEach(() => watch?.stop());

const setUp = (statuses: ReadonlyArray<ReadBarrierStatus | 'down'>) => {
  const registry = new Registry();
  const lines: Array<{ level: string; fields: object; message: string }> = [];
  let next = 0;
  const read = (): ResultAsync<ReadBarrierStatus, InfrastructureError> => {
    const status = statuses[Math.min(next, statuses.length - 1)] ?? free;
    next += 1;
    return status === 'down'
      ? errAsync({ code: 'service-unavailable', message: 'database down' } as InfrastructureError)
      : okAsync(status);
  };
  watch = watchReadBarrier({
    read,
    registry,
    intervalMs: 60_000,
    logger: {
      warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
      info: (fields, message) => lines.push({ level: 'info', fields, message }),
    },
  });
  return { registry, lines, watch };
};

describe('watchReadBarrier', () => {
  it('shows how long the relay waits and for whom on /metrics, and logs the blocker once with its pid', async () => {
    const { registry, lines, watch } = setUp([
      blockedBy(4242, 2),
      blockedBy(4242, 7),
      blockedBy(4242, 12),
      free,
    ]);
    await watch.check();
    expect(lines).toEqual([]);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/^oms_event_reader_blocked_seconds 2$/m);
    expect(metrics).toMatch(/^oms_event_reader_held_back_events 2$/m);
    expect(metrics).toMatch(
      /^oms_event_reader_blocker_info\{pid="4242",application="forgetful-caller",prepared_gid=""\} 1$/m,
    );

    await watch.check();
    await watch.check();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      fields: { pid: 4242, application: 'forgetful-caller', state: 'idle in transaction' },
    });
    expect(lines[0]?.message).toContain('pid 4242');

    await watch.check();
    expect(lines.map((line) => line.level)).toEqual(['warn', 'info']);
    const after = await registry.metrics();
    expect(after).toMatch(/^oms_event_reader_blocked_seconds 0$/m);
    expect(after).not.toMatch(/^oms_event_reader_blocker_info\{/m);
  });

  it('names a prepared transaction by its gid, and a new blocker gets its own line', async () => {
    const prepared: ReadBarrierStatus = {
      ...blockedBy(0, 9),
      blocker: {
        pid: null,
        applicationName: null,
        state: null,
        preparedGid: 'forgotten-2pc',
        position: 3072,
        transactionSeconds: 10,
      },
    };
    const { lines, watch } = setUp([prepared, blockedBy(77, 9)]);
    await watch.check();
    await watch.check();
    expect(lines.map((line) => line.message)).toEqual([
      expect.stringContaining("prepared transaction 'forgotten-2pc'"),
      expect.stringContaining('pid 77'),
    ]);
  });

  it('keeps the last figures and logs nothing while the database cannot be asked', async () => {
    const { registry, lines, watch } = setUp([blockedBy(5, 3), 'down']);
    await watch.check();
    await watch.check();
    expect(lines).toEqual([]);
    expect(await registry.metrics()).toMatch(/^oms_event_reader_blocked_seconds 3$/m);
  });
});
