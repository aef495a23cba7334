// Where a machine's CPU time goes while one contender runs: this process's main thread, the threads it started
// during the run (the relay's producer thread), its other threads (V8's garbage-collection helpers, libuv's pool:
// zlib), PostgreSQL and the broker when this process started them (an embedded server, the kcat mock: 0 with
// DATABASE_URL or KAFKA_BROKERS), and the rest of the machine. Read from /proc (Linux).
import { descendantsOf, numberedEntries, readStat } from '../../scripts/processTree.mjs';
import { machineBusyMicros } from './machineCpu.mjs';

/** USER_HZ: /proc counts in ticks of 10 ms on Linux. */
const MICROS_PER_TICK = 10_000;

/** Ticks so far of each process descended from this one, by pid@start time, with its name. */
const descendants = () =>
  new Map(descendantsOf(process.pid).map((found) => [`${found.pid}@${found.startTime}`, found]));

const sample = () => {
  const own = String(process.pid);
  const threads = new Map();
  for (const tid of numberedEntries(`/proc/${own}/task`)) {
    const stat = readStat(`/proc/${own}/task/${tid}/stat`);
    if (stat) threads.set(`${tid}@${stat.startTime}`, { tid, ticks: stat.ticks });
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
