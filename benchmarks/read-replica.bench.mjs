#!/usr/bin/env node
import {
  createPgOrderQueries,
  createPgOrderStore,
  createPool,
  createReadRouting,
  runMigrations,
  startScaleHarness,
  waitForReplay,
} from '@oms/adapters-pg';
// Read replicas (issue 16) on this machine's PostgreSQL 15: a primary, a streaming replica (pg_basebackup -R) and
// PgBouncer, started for the run. Two figures, each beside a baseline of the same run:
// - read throughput: GET-order reads/s served by the replica, next to the same reads on the primary (interleaved
//   rounds, median); both servers share this machine's cores, so the ratio shows the replica's cost per read, not
//   the capacity a second machine adds;
// - p99 of a GET after a write with the consistency token (token query on the primary + replay check and read on the
//   replica, or the primary when the replica had not replayed in time), next to the p99 of the same GET on the
//   primary without any routing.
import {
  createExecuteOrderRequest,
  ORDER_INPUT_SCHEMAS,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/fixtures';
import { flag, median, option, percentile } from './lib/common.mjs';
import { exitUnlessStopping, stopOnSignal } from './lib/stopOnSignal.mjs';

const quick = flag('--quick');
const asJson = flag('--json');
const orders = option('--orders', quick ? 1_000 : 5_000);
const rounds = option('--rounds', quick ? 3 : 5);
const seconds = option('--seconds', quick ? 2 : 5);
const concurrency = option('--concurrency', 16);
const writes = option('--writes', quick ? 300 : 1_000);
const out = asJson ? process.stderr : process.stdout;
const log = (line = '') => out.write(`${line}\n`);

const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse(orderFixtures.seedCreateOrderBody());

/** Reads/s of `read(id)` at `concurrency` for `seconds`. */
const throughput = async (read, ids) => {
  const until = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; Date.now() < until; i += concurrency) {
        const result = await read(ids[i % ids.length]);
        if (result.isErr()) throw new Error(result.error.message);
        done += 1;
      }
    }),
  );
  return done / seconds;
};

const main = async () => {
  // its clusters run detached (pg_ctl): a signal, from the start on, stops them through the harness, once (a failed
  // start has stopped what it had started)
  const starting = startScaleHarness();
  let stopped;
  const stopHarness = () =>
    (stopped ??= starting.then(
      (started) => started.stop(),
      () => undefined,
    ));
  stopOnSignal(stopHarness);
  const harness = await starting;
  const { url, directUrl, readUrl } = harness.urls();
  const primary = createPool(directUrl, { max: concurrency + 4 });
  const pooled = createPool(url, { max: concurrency + 4, preparedStatements: false });
  const replica = createPool(readUrl, { max: concurrency + 4 });
  const routing = createReadRouting({ primary: pooled, replica });
  try {
    await runMigrations(primary);
    const store = createPgOrderStore({ pool: pooled });
    const execute = createExecuteOrderRequest({
      eventStore: store.eventStore,
      idempotency: store.idempotency,
      clock: systemClock,
      ids: uuidV7Generator,
    });
    const create = async () => {
      const outcome = (
        await execute({ request: { type: 'CreateOrder', input }, actor: 'bench' })
      )._unsafeUnwrap();
      return outcome.orderId;
    };
    const ids = [];
    for (let i = 0; i < orders; i += 50)
      ids.push(...(await Promise.all(Array.from({ length: 50 }, create))));
    await waitForReplay(directUrl, readUrl, 60_000);
    log(
      `${ids.length} orders on a PostgreSQL ${harness.primary.version} primary, replayed on its replica`,
    );

    const onPrimary = createPgOrderQueries(primary);
    const onReplica = createPgOrderQueries(replica);
    const primaryRates = [];
    const replicaRates = [];
    for (let round = 0; round < rounds; round += 1) {
      primaryRates.push(await throughput((id) => onPrimary.getOrder(id), ids));
      replicaRates.push(await throughput((id) => onReplica.getOrder(id), ids));
    }
    const primaryRate = median(primaryRates);
    const replicaRate = median(replicaRates);
    log(
      `GET order at concurrency ${concurrency}, median of ${rounds} interleaved rounds of ${seconds} s:`,
    );
    log(`  replica ${replicaRate.toFixed(0)} reads/s, primary ${primaryRate.toFixed(0)} reads/s`);

    // GET after write: write (through PgBouncer), then the timed read; alternately with and without routing.
    const routed = [];
    const direct = [];
    let onReplicaCount = 0;
    for (let i = 0; i < writes; i += 1) {
      const orderId = await create();
      if (i % 2 === 0) {
        const started = performance.now();
        const token = await routing.tokenAfterWrite();
        const queries = await routing.queriesFor(token);
        const view = (await queries.getOrder(orderId))._unsafeUnwrap();
        routed.push(performance.now() - started);
        if (view?.id !== orderId) throw new Error('a read after a write missed the write');
        if (queries !== routing.primary) onReplicaCount += 1;
      } else {
        const started = performance.now();
        const view = (await onPrimary.getOrder(orderId))._unsafeUnwrap();
        direct.push(performance.now() - started);
        if (view?.id !== orderId) throw new Error('a read on the primary missed the write');
      }
    }
    const routedP99 = percentile(routed, 99);
    const directP99 = percentile(direct, 99);
    const servedByReplica = (100 * onReplicaCount) / routed.length;
    log(`GET after write (${routed.length} each, sequential, every read saw its write):`);
    log(
      `  with the token ${routedP99.toFixed(2)} ms p99 (p50 ${percentile(routed, 50).toFixed(2)} ms; ${servedByReplica.toFixed(0)} % served by the replica)`,
    );
    log(
      `  on the primary ${directP99.toFixed(2)} ms p99 (p50 ${percentile(direct, 50).toFixed(2)} ms)`,
    );

    const figures = {
      'pg.replica.get_reads_per_s': {
        value: replicaRate,
        unit: 'reads/s',
        baseline: primaryRate,
        baselineName: 'the same GET on the primary',
        ratio: replicaRate / primaryRate,
      },
      'pg.replica.get_after_write_p99_ms': {
        value: routedP99,
        unit: 'ms',
        baseline: directP99,
        baselineName: 'GET after write on the primary, no token',
        ratio: routedP99 / directP99,
      },
      'pg.replica.get_after_write_served_by_replica_pct': { value: servedByReplica, unit: '%' },
    };
    if (asJson) process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    routing.stop();
    await Promise.all([primary.end(), pooled.end(), replica.end()]);
    await stopHarness();
  }
};

main().then(
  () => exitUnlessStopping(0),
  (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    exitUnlessStopping(1);
  },
);
