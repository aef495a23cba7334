#!/usr/bin/env node
// Personal-data encryption (spec §7): the cost of sealing names, e-mail, phone and addresses on append, and of
// opening them in the relay's read path, each beside the same bench without encryption in the same run (the
// baseline), as a ratio of medians. WAL bytes per append are measured for both.
import { performance } from 'node:perf_hooks';
import { createInMemoryCheckpointStore, createRelay } from '@oms/adapters-kafka';
import { createFakeKafka } from '@oms/adapters-kafka/testing';
import {
  createLocalKeyManagement,
  createPgOrderStore,
  createTestDatabase,
  generateMasterKey,
} from '@oms/adapters-pg';
import {
  decide,
  eventSchemaVersion,
  evolve,
  initialState,
  ORDER_INPUT_SCHEMAS,
  toCommand,
  toOrderView,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/fixtures';
import { flag, median, option } from './lib/common.mjs';
import { startBenchDatabase } from './lib/database.mjs';

const quick = flag('--quick');
const asJson = flag('--json');
const runs = option('--runs', quick ? 3 : 7);
const seconds = option('--seconds', quick ? 1 : 2);
const concurrency = option('--concurrency', 8);
const backlogOrders = option('--orders', quick ? 2_000 : 10_000);
const out = asJson ? process.stderr : process.stdout;
const log = (line = '') => out.write(`${line}\n`);
const ids = uuidV7Generator;
const body = orderFixtures.seedCreateOrderBody();

/** A new order's order.created + order.confirmed, for a customer of its own or one of `customers` returning ones. */
const orderEvents = (email) => {
  const orderId = ids.next();
  const now = new Date().toISOString();
  const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse({
    ...body,
    customer: { ...body.customer, email },
  });
  const created = decide(
    toCommand({ type: 'CreateOrder', input }, orderId, now, ids),
    initialState(),
  )._unsafeUnwrap();
  const draft = created.reduce(evolve, initialState());
  const confirmed = decide(
    toCommand({ type: 'ConfirmOrder', orderId }, orderId, now, ids),
    draft,
  )._unsafeUnwrap();
  const metadata = { correlationId: ids.next(), causationId: null, actor: 'bench' };
  const toNew = (event) => ({
    eventId: ids.next(),
    type: event.type,
    schemaVersion: eventSchemaVersion(event.type),
    data: event.data,
    metadata,
    occurredAt: now,
  });
  return {
    orderId,
    created: created.map(toNew),
    createdView: toOrderView(draft),
    confirmed: confirmed.map(toNew),
    confirmedView: toOrderView(confirmed.reduce(evolve, draft)),
  };
};

let customerSeq = 0;
const emailFor = (returning) =>
  returning ? `returning-${customerSeq++ % 100}@example.com` : `new-${ids.next()}@example.com`;

/** Creates then confirms orders (two appends each, as the service does) for `seconds`; appends per second. */
const appendRate = async (eventStore, returning) => {
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const order = orderEvents(emailFor(returning));
        const first = await eventStore.appendToStream(order.orderId, order.created, {
          expectedVersion: 0,
          snapshot: order.createdView,
        });
        const second = await eventStore.appendToStream(order.orderId, order.confirmed, {
          expectedVersion: 1,
          snapshot: order.confirmedView,
        });
        if (first.isErr() || second.isErr()) throw new Error('append failed');
        done += 2;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
};

const walPerAppend = async (pool, eventStore) => {
  const appends = quick ? 200 : 1000;
  const lsn = async () => (await pool.query('SELECT pg_current_wal_lsn() AS l')).rows[0].l;
  const before = await lsn();
  for (let n = 0; n < appends / 2; n += 1) {
    const order = orderEvents(emailFor(false));
    await eventStore.appendToStream(order.orderId, order.created, {
      expectedVersion: 0,
      snapshot: order.createdView,
    });
    await eventStore.appendToStream(order.orderId, order.confirmed, {
      expectedVersion: 1,
      snapshot: order.confirmedView,
    });
  }
  const after = await lsn();
  const bytes = (await pool.query('SELECT pg_wal_lsn_diff($1, $2)::bigint AS b', [after, before]))
    .rows[0].b;
  return Number(bytes) / appends;
};

/** The relay with a fake producer (read, decrypt, fold, map, stringify) over the whole backlog; events per second. */
const relayRate = async (eventStore) => {
  const relay = createRelay({
    eventStore,
    checkpoints: createInMemoryCheckpointStore(),
    kafka: createFakeKafka(),
    options: { idempotent: false, createTopics: false, batchSize: 2000 },
  });
  let events = 0;
  const started = performance.now();
  for (;;) {
    const result = await relay.runOnce();
    if (result.isErr()) throw new Error(`relay failed: ${result.error.message}`);
    if (result.value.events === 0) break;
    events += result.value.events;
  }
  return events / ((performance.now() - started) / 1000);
};

const fill = async (eventStore, orders) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < orders) {
        next += 1;
        const order = orderEvents(emailFor(next % 2 === 0));
        await eventStore.appendToStream(order.orderId, order.created, {
          expectedVersion: 0,
          snapshot: order.createdView,
        });
        await eventStore.appendToStream(order.orderId, order.confirmed, {
          expectedVersion: 1,
          snapshot: order.confirmedView,
        });
      }
    }),
  );
};

const main = async () => {
  const database = await startBenchDatabase('oms-pii-bench-');
  const plainDb = await createTestDatabase(database.baseUrl, { max: concurrency + 2 });
  const sealedDb = await createTestDatabase(database.baseUrl, { max: concurrency + 2 });
  const keyManagement = await createLocalKeyManagement({ masterKey: generateMasterKey() });
  const plain = createPgOrderStore({ pool: plainDb.pool });
  const sealed = createPgOrderStore({ pool: sealedDb.pool, keyManagement });
  const figures = {};
  try {
    log(
      `append: create + confirm per order, concurrency ${concurrency}, ${runs} alternating runs of ${seconds} s`,
    );
    for (const returning of [false, true]) {
      const name = returning ? 'returning' : 'new';
      const rates = { plain: [], sealed: [] };
      await appendRate(plain.eventStore, returning); // warm-up
      await appendRate(sealed.eventStore, returning);
      for (let run = 0; run < runs; run += 1) {
        rates.plain.push(await appendRate(plain.eventStore, returning));
        rates.sealed.push(await appendRate(sealed.eventStore, returning));
      }
      const p = median(rates.plain);
      const s = median(rates.sealed);
      log(
        `  ${name} customers: encrypted ${s.toFixed(0)} appends/s vs plain ${p.toFixed(0)} appends/s = ratio ${(s / p).toFixed(3)}`,
      );
      figures[`pii.append.${name}_customers.ratio_to_plain`] = {
        value: Math.round(s),
        unit: 'appends/s',
        baseline: Math.round(p),
        baselineName: 'the same appends without encryption',
        ratio: s / p,
      };
    }
    const walPlain = await walPerAppend(plainDb.pool, plain.eventStore);
    const walSealed = await walPerAppend(sealedDb.pool, sealed.eventStore);
    log(
      `  WAL per append (new customers): encrypted ${walSealed.toFixed(0)} B vs plain ${walPlain.toFixed(0)} B = ratio ${(walSealed / walPlain).toFixed(3)}`,
    );
    figures['pii.append.wal_bytes'] = {
      value: Math.round(walSealed),
      unit: 'B/append',
      baseline: Math.round(walPlain),
      baselineName: 'without encryption',
      ratio: walSealed / walPlain,
    };

    // relay: the same backlog shape in two fresh databases
    const relayPlainDb = await createTestDatabase(database.baseUrl, { max: concurrency + 2 });
    const relaySealedDb = await createTestDatabase(database.baseUrl, { max: concurrency + 2 });
    try {
      const relayPlain = createPgOrderStore({ pool: relayPlainDb.pool });
      const relaySealed = createPgOrderStore({ pool: relaySealedDb.pool, keyManagement });
      await fill(relayPlain.eventStore, backlogOrders);
      await fill(relaySealed.eventStore, backlogOrders);
      const rates = { plain: [], sealed: [] };
      for (let run = 0; run < runs; run += 1) {
        rates.plain.push(await relayRate(relayPlain.eventStore));
        // a fresh cipher each run: the data keys are unwrapped again, as after a relay restart
        const fresh = createPgOrderStore({ pool: relaySealedDb.pool, keyManagement });
        rates.sealed.push(await relayRate(run === 0 ? fresh.eventStore : relaySealed.eventStore));
      }
      const p = median(rates.plain);
      const s = median(rates.sealed);
      log(
        `relay (fake producer, ${backlogOrders * 2} events, half the orders by 100 returning customers): encrypted ${s.toFixed(0)} events/s vs plain ${p.toFixed(0)} events/s = ratio ${(s / p).toFixed(3)}`,
      );
      figures['pii.relay.ratio_to_plain'] = {
        value: Math.round(s),
        unit: 'events/s',
        baseline: Math.round(p),
        baselineName: 'the same relay over a plain backlog',
        ratio: s / p,
        events: backlogOrders * 2,
      };
    } finally {
      await relayPlainDb.drop();
      await relaySealedDb.drop();
    }
  } finally {
    await plainDb.drop();
    await sealedDb.drop();
    await database.stop();
  }
  if (asJson) process.stdout.write(`${JSON.stringify(figures)}\n`);
};

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
