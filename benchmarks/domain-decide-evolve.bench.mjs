#!/usr/bin/env node
// `node benchmarks/domain-decide-evolve.bench.mjs [--json] [--quick]`: decide + evolve throughput of @oms/domain (its
// built dist) over a realistic command mix, median of several timed runs, next to an in-run baseline: a hand-written
// reducer over the same commands on plain objects and binary floats (no Result, no Decimal, no immutability).
// One op = one command decided against the current state and its events folded in.
import { decide, evolve, initialState } from '@oms/domain';
import { flag, median } from './lib/common.mjs';

const json = flag('--json');
const quick = flag('--quick');
const RUNS = quick ? 3 : 7;
const RUN_MS = quick ? 300 : 1000;
const ORDERS = 200;

let counter = 0;
const id = () => {
  counter += 1;
  return `0190a000-0000-7000-8000-${counter.toString(16).padStart(12, '0')}`;
};
const at = (minute) => new Date(Date.UTC(2026, 0, 15, 10, minute)).toISOString();

/** One order's life: a 3-line draft, edits, confirm, two shipments, delivery, completion, and two refusals. */
const orderCommands = () => {
  const orderId = id();
  const lines = [1, 2, 3].map((n) => ({
    lineId: id(),
    sku: `SKU-${n}`,
    productName: `Product ${n}`,
    quantity: n + 1,
    unitPrice: { amount: ['29.99', '10', '0.125'][n - 1], currencyCode: 'USD' },
  }));
  const extra = {
    lineId: id(),
    sku: 'SKU-X',
    productName: 'Extra',
    quantity: 1,
    unitPrice: { amount: '5.50', currencyCode: 'USD' },
  };
  const m = (minute) => ({ now: at(minute) });
  return [
    {
      type: 'CreateOrder',
      data: {
        orderId,
        channel: 'ECOMMERCE',
        customer: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
        shippingAddress: {
          street: '12 Analytical Row',
          city: 'London',
          postalCode: 'N1 9GU',
          country: 'GB',
        },
        lines,
      },
      metadata: m(0),
    },
    { type: 'AddLine', data: { orderId, line: extra }, metadata: m(1) },
    {
      type: 'ChangeLineQuantity',
      data: { orderId, lineId: lines[0].lineId, quantity: 3 },
      metadata: m(2),
    },
    { type: 'RemoveLine', data: { orderId, lineId: extra.lineId }, metadata: m(3) },
    {
      type: 'ChangeShippingAddress',
      data: {
        orderId,
        shippingAddress: { street: '1 New St', city: 'Leeds', postalCode: 'LS1', country: 'GB' },
      },
      metadata: m(4),
    },
    { type: 'ConfirmOrder', data: { orderId }, metadata: m(5) },
    { type: 'ConfirmOrder', data: { orderId }, metadata: m(6) }, // refused: invalid-state-transition
    {
      type: 'ShipOrder',
      data: {
        orderId,
        shipmentId: `${orderId}-s1`,
        lines: [{ lineId: lines[0].lineId, quantity: 1 }],
      },
      metadata: m(7),
    },
    { type: 'ShipOrder', data: { orderId, shipmentId: `${orderId}-s1` }, metadata: m(8) }, // no-op: same shipment
    {
      type: 'ShipOrder',
      data: { orderId, shipmentId: `${orderId}-s2`, carrier: 'DHL' },
      metadata: m(9),
    },
    { type: 'DeliverOrder', data: { orderId }, metadata: m(10) },
    { type: 'CompleteOrder', data: { orderId }, metadata: m(11) },
  ];
};
const workload = Array.from({ length: ORDERS }, orderCommands);
const opsPerPass = workload.reduce((sum, commands) => sum + commands.length, 0);

/** @oms/domain: decide, then evolve its events into the state. */
const domainPass = () => {
  let check = 0;
  for (const commands of workload) {
    let state = initialState();
    for (const command of commands) {
      const decision = decide(command, state);
      if (decision.isOk()) for (const event of decision.value) state = evolve(state, event);
    }
    check += state.version;
  }
  return check;
};

/** Baseline: the same transitions, hand-written, on plain objects and floats. */
const baselineReduce = (state, command) => {
  const d = command.data;
  switch (command.type) {
    case 'CreateOrder': {
      if (state) return state;
      const lines = d.lines.map((l) => ({ ...l, price: Number(l.unitPrice.amount), shipped: 0 }));
      return {
        id: d.orderId,
        status: 'DRAFT',
        lines,
        shipments: [],
        version: 1,
        total: total(lines),
      };
    }
    case 'AddLine': {
      if (state?.status !== 'DRAFT') return state;
      const lines = [
        ...state.lines,
        { ...d.line, price: Number(d.line.unitPrice.amount), shipped: 0 },
      ];
      return { ...state, lines, total: total(lines), version: state.version + 1 };
    }
    case 'RemoveLine': {
      if (state?.status !== 'DRAFT' || state.lines.length < 2) return state;
      const lines = state.lines.filter((l) => l.lineId !== d.lineId);
      return { ...state, lines, total: total(lines), version: state.version + 1 };
    }
    case 'ChangeLineQuantity': {
      if (state?.status !== 'DRAFT') return state;
      const lines = state.lines.map((l) =>
        l.lineId === d.lineId ? { ...l, quantity: d.quantity } : l,
      );
      return { ...state, lines, total: total(lines), version: state.version + 1 };
    }
    case 'ChangeShippingAddress':
      return state?.status === 'DRAFT'
        ? { ...state, address: d.shippingAddress, version: state.version + 1 }
        : state;
    case 'ConfirmOrder':
      return state?.status === 'DRAFT'
        ? { ...state, status: 'CONFIRMED', version: state.version + 1 }
        : state;
    case 'ShipOrder': {
      if (!state || state.shipments.includes(d.shipmentId)) return state;
      if (state.status !== 'CONFIRMED' && state.status !== 'PARTIALLY_SHIPPED') return state;
      const wanted = new Map(
        (d.lines ?? state.lines.map((l) => ({ lineId: l.lineId }))).map((l) => [
          l.lineId,
          l.quantity,
        ]),
      );
      const lines = state.lines.map((l) =>
        wanted.has(l.lineId)
          ? { ...l, shipped: l.shipped + (wanted.get(l.lineId) ?? l.quantity - l.shipped) }
          : l,
      );
      const done = lines.every((l) => l.shipped === l.quantity);
      return {
        ...state,
        lines,
        shipments: [...state.shipments, d.shipmentId],
        status: done ? 'SHIPPED' : 'PARTIALLY_SHIPPED',
        version: state.version + 1,
      };
    }
    case 'DeliverOrder':
      return state?.status === 'SHIPPED'
        ? { ...state, status: 'DELIVERED', version: state.version + 1 }
        : state;
    case 'CompleteOrder':
      return state?.status === 'DELIVERED'
        ? { ...state, status: 'COMPLETED', version: state.version + 1 }
        : state;
    default:
      return state;
  }
};
const total = (lines) => lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
const baselinePass = () => {
  let check = 0;
  for (const commands of workload) {
    let state;
    for (const command of commands) state = baselineReduce(state, command);
    check += state.version;
  }
  return check;
};

const expected = domainPass();
if (baselinePass() !== expected)
  throw new Error(`baseline and domain disagree: ${baselinePass()} vs ${expected}`);
if (expected !== ORDERS * 10)
  throw new Error(`each order should end at version 10, got ${expected / ORDERS}`);

/** ops/s of one timed run: whole passes for at least RUN_MS. */
const timed = (pass) => {
  let passes = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < RUN_MS) {
    pass();
    passes += 1;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (passes * opsPerPass) / (elapsed / 1000);
};

// warm up both, then alternate the runs so that both see the same machine load
for (let i = 0; i < 3; i += 1) {
  domainPass();
  baselinePass();
}
const domainRuns = [];
const baselineRuns = [];
for (let run = 0; run < RUNS; run += 1) {
  domainRuns.push(timed(domainPass));
  baselineRuns.push(timed(baselinePass));
}
const value = median(domainRuns);
const baseline = median(baselineRuns);
const figures = {
  'domain.decide_evolve_ops': {
    value: Math.round(value),
    unit: 'ops/s',
    baseline: Math.round(baseline),
    baselineUnit: 'ops/s',
    baselineName: 'hand-written reducer, plain objects + floats',
    ratio: Number((value / baseline).toFixed(3)),
    runs: RUNS,
    commandsPerOrder: opsPerPass / ORDERS,
  },
};

if (json) console.log(JSON.stringify(figures));
else {
  const f = figures['domain.decide_evolve_ops'];
  const spread = (runs) => `${Math.round(Math.min(...runs))}–${Math.round(Math.max(...runs))}`;
  console.log(
    `decide+evolve, ${opsPerPass / ORDERS} commands per order × ${ORDERS} orders, median of ${RUNS} runs of ${RUN_MS} ms`,
  );
  console.log(
    `  @oms/domain        ${f.value.toLocaleString('en')} ops/s  (runs ${spread(domainRuns)})`,
  );
  console.log(
    `  baseline reducer   ${f.baseline.toLocaleString('en')} ops/s  (runs ${spread(baselineRuns)})`,
  );
  console.log(`  ratio              ${f.ratio}  (domain / baseline)`);
}
