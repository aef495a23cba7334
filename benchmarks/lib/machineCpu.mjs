// The CPU time the whole machine spent (every process, every core), for figures that share the machine's cores
// between the code measured, PostgreSQL and a broker.
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc/stat counts in ticks of 10 ms on Linux. */
const MICROS_PER_TICK = 10_000;

/** Busy CPU time of the machine so far, all cores, in microseconds (/proc/stat: everything but idle and iowait). */
export const machineBusyMicros = () => {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return (ticks.reduce((sum, value) => sum + value, 0) - idle) * MICROS_PER_TICK;
};
