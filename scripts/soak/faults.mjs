// The soak's faults, each at a fixed fraction of the load: the relay killed (-9), a replica stopped with SIGTERM,
// the broker and the database cut off, and (--scale) the read replica stopped; each followed by its recovery.
import { setTimeout as sleep } from 'node:timers/promises';
import { killShardHolder } from './relays.mjs';

// the relay's lease retry (createRelay's leaseRetryMs, 5 s) + the takeover delay (3 s) + slack on a loaded machine
const TAKEOVER_BOUND_MS = 20_000;

const killRelay = (fleet, scale, violations) =>
  scale
    ? [
        'relay kill -9 (shards taken over) + restart',
        () =>
          killShardHolder({
            holders: fleet.holders,
            current: fleet.current,
            startRelay: fleet.startRelay,
            violations,
            sleep,
            boundMs: TAKEOVER_BOUND_MS,
          }),
      ]
    : [
        'relay kill -9 + restart',
        async () => {
          const killed = fleet.current.relay;
          killed.child.kill('SIGKILL');
          await killed.exited;
          await sleep(1_000);
          await fleet.startRelay();
          return `pid ${killed.pid} → ${fleet.current.relay.pid}`;
        },
      ];

const restartReplica = (fleet, shutdownTimeoutMs, violations, warnings) => [
  'replica-0 SIGTERM + restart',
  async () => {
    const stopped = fleet.current['replica-0'];
    const signalled = Date.now();
    stopped.child.kill('SIGTERM');
    const timer = setTimeout(() => stopped.child.kill('SIGKILL'), 30_000);
    const exit = await stopped.exited;
    clearTimeout(timer);
    const drained = Date.now();
    if (drained - signalled >= shutdownTimeoutMs - 500)
      warnings.push(
        `replica-0 needed its whole shutdown timeout (${shutdownTimeoutMs / 1000}s) to stop after SIGTERM: it kept serving new requests on open keep-alive connections, then cut what was in flight`,
      );
    if (exit.code !== 0)
      violations.push(
        `replica-0 exited with ${exit.code ?? exit.signal} after SIGTERM (expected 0)`,
      );
    const attempts = await fleet.startReplica(0);
    return `${attempts > 1 ? `started on attempt ${attempts}; ` : ''}exit ${exit.code ?? exit.signal} after ${((drained - signalled) / 1000).toFixed(1)}s; pid ${stopped.pid} → ${fleet.current['replica-0'].pid}`;
  },
];

/**
 * Runs every fault at its fraction of the load that started at `loadStart` and lasts `durationMs`, each on its own
 * clock (a slow one, a replica draining, does not push the others out of the load). Resolves when all are done,
 * with what each did and took, and the violations and warnings they saw.
 */
export const runFaults = async ({
  fleet,
  infrastructure: { kafkaProxy, dbProxy, harness },
  scale,
  loadStart,
  durationMs,
  shutdownTimeoutMs,
  say,
}) => {
  const faults = [];
  const violations = [];
  const warnings = [];
  const at = async (fraction) => {
    const wait = loadStart + fraction * durationMs - Date.now();
    if (wait > 0) await sleep(wait);
  };
  const fault = async ([name, action]) => {
    const record = { name, start: Date.now() };
    faults.push(record);
    try {
      record.detail = await action();
    } catch (error) {
      violations.push(`fault ${name} failed: ${error instanceof Error ? error.message : error}`);
    }
    record.end = Date.now();
    say(
      `fault ${name}: ${((record.end - record.start) / 1000).toFixed(1)}s${record.detail ? ` (${record.detail})` : ''}`,
    );
  };
  const plan = [
    [0.15, killRelay(fleet, scale, violations)],
    [0.3, restartReplica(fleet, shutdownTimeoutMs, violations, warnings)],
    [
      0.5,
      [
        'kafka cut + restore',
        async () => {
          await kafkaProxy.cut();
          await sleep(Math.max(3_000, durationMs * 0.08));
          await kafkaProxy.restore();
        },
      ],
    ],
    [
      0.7,
      [
        'database cut + restore',
        async () => {
          dbProxy.cut();
          await sleep(3_000);
          dbProxy.restore();
        },
      ],
    ],
    ...(harness
      ? [
          [
            0.85,
            [
              'read replica stop + restart',
              async () => {
                await harness.replica.pause();
                await sleep(3_000);
                await harness.replica.resume();
              },
            ],
          ],
        ]
      : []),
  ];
  await Promise.all(plan.map(([fraction, step]) => at(fraction).then(() => fault(step))));
  return { faults, violations, warnings };
};
