// Where a machine's CPU time goes while one contender runs: this process's main thread, the threads it started
// during the run (the relay's producer thread), its other threads (V8's garbage-collection helpers, libuv's pool:
// zlib), PostgreSQL and the broker when this process started them (an embedded server, the kcat mock: 0 with
// DATABASE_URL or KAFKA_BROKERS), and the rest of the machine. Read from /proc (Linux).
import { readdirSync, readFileSync } from 'node:fs';
import { machineBusyMicros } from './machineCpu.mjs';

/** USER_HZ: /proc counts in ticks of 10 ms on Linux. */
const MICROS_PER_TICK = 10_000;

/** A /proc stat line: name, parent, user + system ticks, start time (told apart from a reused pid). */
const readStat = (path) => {
  try {
    const text = readFileSync(path, 'utf8');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return {
      name: text.slice(text.indexOf('(') + 1, close),
      parent: fields[1],
      ticks: Number(fields[11]) + Number(fields[12]),
      start: fields[19],
    };
  } catch {
    return undefined;
  }
};

const numbered = (folder) => {
  try {
    return readdirSync(folder).filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
};

/** Ticks so far of each process descended from this one, by pid, with its name. */
const descendants = () => {
  const all = new Map();
  for (const pid of numbered('/proc')) {
    const stat = readStat(`/proc/${pid}/stat`);
    if (stat) all.set(pid, stat);
  }
  const ours = new Map();
  for (const [pid, stat] of all) {
    let parent = stat.parent;
    while (parent && parent !== '0' && parent !== String(process.pid))
      parent = all.get(parent)?.parent;
    if (parent === String(process.pid)) ours.set(`${pid}@${stat.start}`, stat);
  }
  return ours;
};

const sample = () => {
  const own = String(process.pid);
  const threads = new Map();
  for (const tid of numbered(`/proc/${own}/task`)) {
    const stat = readStat(`/proc/${own}/task/${tid}/stat`);
    if (stat) threads.set(`${tid}@${stat.start}`, { tid, ticks: stat.ticks });
  }
  const usage = process.cpuUsage();
  return {
    machine: machineBusyMicros(),
    process: usage.user + usage.system,
    threads,
    children: descendants(),
  };
};

/** What `key` spent between two samples; a process or thread that ended meanwhile is not counted. */
const spent = (before, after, key) => (after.get(key)?.ticks ?? 0) - (before.get(key)?.ticks ?? 0);

/**
 * Starts counting; `stop(events)` gives each part's CPU per event in µs: `main`, `newThreads` (threads started
 * after `startCpuBreakdown`), `otherThreads`, `postgres`, `broker` (`brokerNames`), `rest` (the machine's busy time
 * not in those: the kernel, other work; negative when a part was over-counted) and `machine`.
 */
export const startCpuBreakdown = (brokerNames = ['kcat']) => {
  const before = sample();
  return {
    stop(events) {
      const after = sample();
      const own = String(process.pid);
      let main = 0;
      let newThreads = 0;
      for (const [key, { tid }] of after.threads) {
        const micros = spent(before.threads, after.threads, key) * MICROS_PER_TICK;
        if (tid === own) main += micros;
        else if (!before.threads.has(key)) newThreads += micros;
      }
      let postgres = 0;
      let broker = 0;
      for (const [key, { name }] of after.children) {
        const micros = spent(before.children, after.children, key) * MICROS_PER_TICK;
        if (name === 'postgres') postgres += micros;
        else if (brokerNames.includes(name)) broker += micros;
      }
      const processMicros = after.process - before.process;
      const parts = {
        main: main / events,
        newThreads: newThreads / events,
        otherThreads: Math.max(0, processMicros - main - newThreads) / events,
        postgres: postgres / events,
        broker: broker / events,
        machine: (after.machine - before.machine) / events,
      };
      parts.rest = parts.machine - processMicros / events - parts.postgres - parts.broker;
      return parts;
    },
  };
};

/** The parts' medians over rounds, one line (medians of each part: they need not add up to the total's). */
export const formatBreakdown = (label, rounds, median) => {
  // `+ 0` turns a median that rounds to -0 (a part a little under zero, as `rest` can be) into 0
  const of = (name) => String(Math.round(median(rounds.map((round) => round[name]))) + 0);
  return `${label} ${of('machine')} µs (medians by part) = main thread ${of('main')} + threads started by the run ${of('newThreads')} + other threads of this process ${of('otherThreads')} + PostgreSQL ${of('postgres')} + broker ${of('broker')} + rest ${of('rest')}`;
};
