// Where a machine's CPU time goes while one contender runs: this process's main thread, its other threads (worker
// threads, V8's garbage-collection helpers, libuv's pool: zlib), PostgreSQL's processes, the broker's, and the rest.
// Read from /proc (Linux); a part that cannot be read counts as 0.
import { readdirSync, readFileSync } from 'node:fs';
import { machineBusyMicros } from './machineCpu.mjs';

/** USER_HZ: /proc counts in ticks of 10 ms on Linux. */
const MICROS_PER_TICK = 10_000;

/** The name and the user + system ticks of a /proc stat line. */
const parseStat = (text) => {
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return {
    name: text.slice(text.indexOf('(') + 1, close),
    ticks: Number(fields[11]) + Number(fields[12]),
  };
};

const readStat = (path) => {
  try {
    return parseStat(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
};

/** CPU so far by part, in microseconds. `brokerNames`: the process names of the broker (the mock: kcat). */
const sample = (brokerNames) => {
  const parts = { main: 0, otherThreads: 0, postgres: 0, broker: 0, machine: machineBusyMicros() };
  const own = String(process.pid);
  parts.main = (readStat(`/proc/${own}/task/${own}/stat`)?.ticks ?? 0) * MICROS_PER_TICK;
  const usage = process.cpuUsage();
  parts.otherThreads = Math.max(0, usage.user + usage.system - parts.main);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || pid === own) continue;
    const stat = readStat(`/proc/${pid}/stat`);
    if (!stat) continue;
    if (stat.name === 'postgres') parts.postgres += stat.ticks * MICROS_PER_TICK;
    else if (brokerNames.includes(stat.name)) parts.broker += stat.ticks * MICROS_PER_TICK;
  }
  return parts;
};

/**
 * Starts counting; `stop(events)` gives each part's CPU per event in µs: `main`, `otherThreads`, `postgres`,
 * `broker`, `rest` (the machine's busy time not in those: the kernel's own threads, other work) and `machine`.
 */
export const startCpuBreakdown = (brokerNames = ['kcat']) => {
  const before = sample(brokerNames);
  return {
    stop(events) {
      const after = sample(brokerNames);
      const per = (name) => (after[name] - before[name]) / events;
      const parts = {
        main: per('main'),
        otherThreads: per('otherThreads'),
        postgres: per('postgres'),
        broker: per('broker'),
        machine: per('machine'),
      };
      parts.rest = Math.max(
        0,
        parts.machine - parts.main - parts.otherThreads - parts.postgres - parts.broker,
      );
      return parts;
    },
  };
};

/** The parts' medians over rounds, one line. */
export const formatBreakdown = (label, rounds, median) => {
  const of = (name) => median(rounds.map((round) => round[name])).toFixed(0);
  return `${label} ${of('machine')} µs = main thread ${of('main')} + other threads of this process ${of('otherThreads')} + PostgreSQL ${of('postgres')} + broker ${of('broker')} + rest ${of('rest')}`;
};
