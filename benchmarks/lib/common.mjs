// What every benchmark script shares: its command-line options and the statistics it reports.

const args = process.argv.slice(2);

/** True when the flag (e.g. `--quick`) is on the command line. */
export const flag = (name) => args.includes(name);

/** The value after `name`, as a number when the fallback is one; the fallback when absent. */
export const option = (name, fallback) => {
  const index = args.indexOf(name);
  const value = index >= 0 ? args[index + 1] : undefined;
  if (value === undefined) return fallback;
  return typeof fallback === 'number' ? Number(value) : value;
};

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** The p-th percentile (nearest rank); NaN for no values. */
export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
