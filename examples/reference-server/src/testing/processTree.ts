import { readdirSync, readFileSync } from 'node:fs';

/** A process as /proc knows it: its pid with its start time (clock ticks since boot), so a reused pid is not it. */
export interface ProcessRef {
  readonly pid: number;
  readonly startTime: string;
}

interface ProcessStat extends ProcessRef {
  readonly parent: number;
  /** R, S, D, Z (a zombie: exited, not reaped yet), ... */
  readonly state: string;
}

/** /proc/<pid>/stat, or undefined once it has gone. Its name may hold spaces and ')': the fields follow the last ')'. */
const readStat = (pid: number): ProcessStat | undefined => {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // after the name: state (field 3), ppid (4), ..., starttime (22)
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: fields[0] ?? '',
    parent: Number(fields[1]),
    startTime: fields[19] ?? '',
  };
};

/** Every live process below `root` (its children, their children, ...), read from /proc (Linux). */
export const descendantsOf = (root: number): ProcessRef[] => {
  const stats: ProcessStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.state !== 'Z') stats.push(stat);
  }
  const found: ProcessRef[] = [];
  let level = new Set([root]);
  while (level.size > 0) {
    const next = stats.filter((stat) => level.has(stat.parent));
    found.push(...next.map(({ pid, startTime }) => ({ pid, startTime })));
    level = new Set(next.map((stat) => stat.pid));
  }
  return found;
};

/** Whether that very process still runs: not gone, not a zombie, its pid not reused by another. */
export const isRunning = ({ pid, startTime }: ProcessRef): boolean => {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTime === startTime;
};
