// The processes below a process, and whether one still runs, read from /proc (Linux): for the soak's test, and for
// the benchmarks, which stop what they started when a signal stops them.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * /proc/<pid>/stat as `{ pid, state, parent, startTime }`, or undefined once it has gone. `startTime` (clock ticks
 * since boot) tells a reused pid from the process it was; `state` Z is a zombie (exited, not reaped yet). The name
 * may hold spaces and ')': the fields follow the last ')'.
 * @param {number} pid
 */
const readStat = (pid) => {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // after the name: state (field 3), ppid (4), ..., starttime (22)
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0] ?? '', parent: Number(fields[1]), startTime: fields[19] ?? '' };
};

/**
 * Every live process below `root` (its children, their children, ...) as `{ pid, startTime }`.
 * @param {number} root
 * @returns {{ pid: number, startTime: string }[]}
 */
export const descendantsOf = (root) => {
  const stats = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.state !== 'Z') stats.push(stat);
  }
  const found = [];
  let level = new Set([root]);
  while (level.size > 0) {
    const next = stats.filter((stat) => level.has(stat.parent));
    found.push(...next.map(({ pid, startTime }) => ({ pid, startTime })));
    level = new Set(next.map((stat) => stat.pid));
  }
  return found;
};

/**
 * Whether that very process still runs: not gone, not a zombie, its pid not reused by another.
 * @param {{ pid: number, startTime: string }} process
 */
export const isRunning = ({ pid, startTime }) => {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === startTime;
};
