// Processes and threads as /proc sees them (Linux; elsewhere, none): the processes below a process, whether one
// still runs, and their CPU ticks. For the soak's test and the benchmarks, which stop what they started when a
// signal stops them and count the CPU of what they started.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * A /proc stat file (`/proc/<pid>/stat`, `/proc/<pid>/task/<tid>/stat`) as `{ name, state, parent, ticks,
 * startTime }`, or undefined once it has gone. `ticks`: user + system CPU; `startTime` (clock ticks since boot) tells
 * a reused pid from the process it was; `state` Z is a zombie (exited, not reaped yet). The name may hold spaces
 * and ')': the fields follow the last ')'.
 * @param {string} path
 */
export const readStat = (path) => {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  // after the name: state (field 3), ppid (4), ..., utime (14), stime (15), ..., starttime (22)
  const fields = text.slice(close + 2).split(' ');
  return {
    name: text.slice(text.indexOf('(') + 1, close),
    state: fields[0] ?? '',
    parent: Number(fields[1]),
    ticks: Number(fields[11]) + Number(fields[12]),
    startTime: fields[19] ?? '',
  };
};

/**
 * The numbered entries of a /proc folder (pids, or a process's thread ids); none when it cannot be read.
 * @param {string} folder
 */
export const numberedEntries = (folder) => {
  try {
    return readdirSync(folder).filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
};

/**
 * Every live process below `root` (its children, their children, ...) as `{ pid, name, ticks, startTime }`.
 * @param {number} root
 * @returns {{ pid: number, name: string, ticks: number, startTime: string }[]}
 */
export const descendantsOf = (root) => {
  const stats = [];
  for (const entry of numberedEntries('/proc')) {
    const stat = readStat(`/proc/${entry}/stat`);
    if (stat && stat.state !== 'Z') stats.push({ pid: Number(entry), ...stat });
  }
  const found = [];
  let level = new Set([root]);
  while (level.size > 0) {
    const next = stats.filter((stat) => level.has(stat.parent));
    found.push(...next.map(({ pid, name, ticks, startTime }) => ({ pid, name, ticks, startTime })));
    level = new Set(next.map((stat) => stat.pid));
  }
  return found;
};

/**
 * Whether that very process still runs: not gone, not a zombie, its pid not reused by another.
 * @param {{ pid: number, startTime: string }} process
 */
export const isRunning = ({ pid, startTime }) => {
  const stat = readStat(`/proc/${pid}/stat`);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === startTime;
};
