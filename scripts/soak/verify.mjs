// The soak's checks. Each returns {name, ok, lines: [what to print], violations: [reasons]}.
import { isDeepStrictEqual } from 'node:util';
import { adaptersPg } from './modules.mjs';

const plain = (value) => JSON.parse(JSON.stringify(value));
const firstDifference = (actual, expected, path = '') => {
  if (isDeepStrictEqual(actual, expected)) return undefined;
  if (
    actual &&
    expected &&
    typeof actual === 'object' &&
    typeof expected === 'object' &&
    Array.isArray(actual) === Array.isArray(expected)
  ) {
    for (const key of new Set([...Object.keys(actual), ...Object.keys(expected)])) {
      const found = firstDifference(actual[key], expected[key], `${path}.${key}`);
      if (found) return found;
    }
  }
  return `${path || '.'}: ${JSON.stringify(actual)?.slice(0, 160)} ≠ ${JSON.stringify(expected)?.slice(0, 160)}`;
};

const limited = (violations, max = 12) =>
  violations.length <= max
    ? violations
    : [...violations.slice(0, max), `... and ${violations.length - max} more`];

/** Runs `work` over `items` with at most `concurrency` at a time. */
export const mapLimit = async (items, concurrency, work) => {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
};

/** Every stored event, straight from the database, grouped per order in stream order. */
export const readStoredStreams = async (pool) => {
  const { EVENT_COLUMNS, toRecordedEvent } = await adaptersPg();
  const { rows } = await pool.query(
    `SELECT ${EVENT_COLUMNS} FROM oms_events ORDER BY stream_id, stream_version`,
  );
  const streams = new Map();
  for (const row of rows) {
    const event = toRecordedEvent(row);
    const list = streams.get(event.streamId) ?? [];
    list.push(event);
    streams.set(event.streamId, list);
  }
  return { streams, events: rows.length };
};

/** Statuses: no 5xx but 503 inside a database-cut window; every answer one the request could get. */
export const checkResponses = (records, { dbCutWindows, graceMs = 5_000 }) => {
  const violations = [];
  const byStatus = {};
  const byKind = {};
  let allowed503 = 0;
  let transport = 0;
  const stuckKeys = new Map();
  let unexpected = 0;
  const inDbCut = (record) =>
    dbCutWindows.some(
      (window) => record.t1 >= window.start && record.t0 <= (window.end ?? Date.now()) + graceMs,
    );
  for (const record of records) {
    const status = record.status ?? 'no answer';
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    byKind[record.kind] = (byKind[record.kind] ?? 0) + 1;
    if (record.status === null) {
      transport += 1;
      continue;
    }
    if (record.status === 503 && inDbCut(record)) {
      allowed503 += 1;
      continue;
    }
    if (record.status === 409 && record.code === 'idempotency-key-in-flight' && record.retry) {
      // the first attempt ended (503 or no answer) but its claim on the key outlived it
      const stuck = stuckKeys.get(record.key) ?? { first: record.t0, last: record.t1, answers: 0 };
      stuck.last = record.t1;
      stuck.answers += 1;
      stuckKeys.set(record.key, stuck);
      continue;
    }
    if (record.status >= 500) {
      violations.push(
        `${record.status} ${record.code ?? ''} for ${record.method} ${record.path} at +${record.t0} (outside a database cut)`,
      );
      continue;
    }
    if (record.expect && !record.expect.includes(record.status)) {
      unexpected += 1;
      violations.push(
        `${record.kind}: ${record.method} ${record.path} answered ${record.status} ${record.code ?? ''}, expected ${record.expect.join('/')}`,
      );
    }
  }
  return {
    name: 'responses',
    ok: violations.length === 0,
    lines: [
      `requests: ${records.length}; by status ${JSON.stringify(byStatus)}`,
      `by kind ${JSON.stringify(byKind)}`,
      `503 inside database cuts: ${allowed503}; no answer (connection refused/reset, client side): ${transport}; unexpected statuses: ${unexpected}`,
      `retries answered 409 idempotency-key-in-flight after their first attempt had ended: ${[...stuckKeys.values()].reduce((sum, stuck) => sum + stuck.answers, 0)} on ${stuckKeys.size} keys, each key for up to ${(Math.max(0, ...[...stuckKeys.values()].map((stuck) => stuck.last - stuck.first)) / 1000).toFixed(1)}s`,
    ],
    stuckKeys: stuckKeys.size,
    violations: limited(violations),
  };
};

/**
 * Every 2xx command answer is in the events: the fold of the order's events up to the answered version equals the
 * answered order. Idempotency keys: every 2xx create with one key names one order, and one order at most was
 * created with it. Reads after writes see at least the written version.
 */
export const checkAnswers = (records, streams, { stateFromEvents, toOrderView }) => {
  const violations = [];
  let checked = 0;
  const foldAt = (events, version) =>
    toOrderView(stateFromEvents(events.filter((event) => event.streamVersion <= version)));
  const keyOrders = new Map();
  for (const record of records) {
    if (record.kind === 'read-after-write' && record.status === 200) {
      if (!(record.version >= record.minVersion))
        violations.push(
          `read after write of ${record.orderId} on replica ${record.target} saw version ${record.version} < ${record.minVersion}`,
        );
      continue;
    }
    if (record.sameShipmentAsVersion !== undefined && record.status === 200) {
      if (record.version !== record.sameShipmentAsVersion)
        violations.push(
          `recording shipment again on ${record.orderId} moved the version ${record.sameShipmentAsVersion} → ${record.version}`,
        );
    }
    if (!record.body || record.status === null || record.status >= 300) continue;
    checked += 1;
    const events = streams.get(record.body.id);
    if (!events) {
      violations.push(
        `${record.kind} answered ${record.status} for ${record.body.id}, which has no events`,
      );
      continue;
    }
    if (record.body.version > events.length) {
      violations.push(
        `${record.kind} answered version ${record.body.version} of ${record.body.id}, which has ${events.length} events`,
      );
      continue;
    }
    const difference = firstDifference(
      plain(record.body),
      plain(foldAt(events, record.body.version)),
    );
    if (difference)
      violations.push(
        `${record.kind} answer for ${record.body.id} v${record.body.version} differs from its events: ${difference}`,
      );
    if (record.kind === 'create' && record.key) {
      const ids = keyOrders.get(record.key) ?? new Set();
      ids.add(record.body.id);
      keyOrders.set(record.key, ids);
    }
    if (record.duplicateOf && record.body.id !== record.duplicateOf)
      violations.push(
        `a retried create with key ${record.key} made ${record.body.id}, not ${record.duplicateOf}`,
      );
  }
  for (const [key, ids] of keyOrders)
    if (ids.size > 1) violations.push(`key ${key} answered ${ids.size} different orders`);
  const createdPerKey = new Map();
  for (const events of streams.values()) {
    const key = events[0]?.metadata?.idempotencyKey;
    if (events[0]?.type === 'order.created' && key)
      createdPerKey.set(key, (createdPerKey.get(key) ?? 0) + 1);
  }
  for (const [key, count] of createdPerKey)
    if (count > 1) violations.push(`${count} orders were created with Idempotency-Key ${key}`);
  return {
    name: 'accepted commands',
    ok: violations.length === 0,
    lines: [
      `2xx command answers found in the events (fold at the answered version = answer): ${checked - violations.length}/${checked}`,
      `creates with an Idempotency-Key: ${keyOrders.size} keys, orders created per key ≤ 1: ${[...createdPerKey.values()].every((count) => count <= 1)}`,
    ],
    violations: limited(violations),
  };
};

/** HTTP state = fold of the HTTP events (and the HTTP events = the stored events). Returns the views read. */
export const checkStates = async (streams, { get, stateFromEvents, toOrderView }) => {
  const violations = [];
  const views = new Map();
  const ids = [...streams.keys()];
  await mapLimit(ids, 6, async (id, index) => {
    const [order, events] = await Promise.all([
      get(`/v1/orders/${id}`, index),
      get(`/v1/orders/${id}/events`, index + 1),
    ]);
    if (order.status !== 200 || events.status !== 200) {
      violations.push(`GET ${id}: ${order.status}, events: ${events.status}`);
      return;
    }
    views.set(id, order.json);
    const stored = streams.get(id);
    if (events.json.length !== stored.length)
      violations.push(
        `${id}: HTTP lists ${events.json.length} events, the store has ${stored.length}`,
      );
    const folded = toOrderView(stateFromEvents(events.json));
    const difference = firstDifference(plain(order.json), plain(folded));
    if (difference)
      violations.push(`${id}: GET differs from the fold of its events: ${difference}`);
    if (order.etag !== `"${folded.version}"`)
      violations.push(`${id}: ETag ${order.etag} but version ${folded.version}`);
  });
  const statuses = {};
  for (const view of views.values()) statuses[view.status] = (statuses[view.status] ?? 0) + 1;
  return {
    result: {
      name: 'state = fold of events',
      ok: violations.length === 0,
      lines: [
        `orders: ${ids.length}, equal to the fold of their events: ${ids.length - violations.length}; final statuses ${JSON.stringify(statuses)}`,
      ],
      violations: limited(violations),
    },
    views,
  };
};

/** After `rebuild`, every order reads the same as before. */
export const checkRebuilt = async (views, rebuildReport, { get }) => {
  const violations = [];
  await mapLimit([...views.keys()], 6, async (id, index) => {
    const again = await get(`/v1/orders/${id}`, index);
    if (again.status !== 200) {
      violations.push(`GET ${id} after rebuild: ${again.status}`);
      return;
    }
    const difference = firstDifference(again.json, views.get(id));
    if (difference) violations.push(`${id}: rebuilt read model differs: ${difference}`);
  });
  return {
    name: 'rebuilt read model',
    ok: violations.length === 0,
    lines: [
      `rebuild: ${rebuildReport}; orders equal after rebuild: ${views.size - violations.length}/${views.size}`,
    ],
    violations: limited(violations),
  };
};

/** What the relay should have published: toIntegrationMessages of every stored event, per (topic, key) in order. */
export const expectedMessages = (streams, { toIntegrationMessages, evolve, initialState }) => {
  const expected = [];
  for (const events of streams.values()) {
    let state = initialState();
    for (const event of events) {
      const next = evolve(state, { type: event.type, data: event.data });
      for (const message of toIntegrationMessages(event, state, next))
        expected.push({ ...message, streamVersion: event.streamVersion });
      state = next;
    }
  }
  return expected;
};

/** At least once, in stream order per (topic, order key), with the expected content; duplicates counted. */
export const checkPublished = (expected, collected, orderIds) => {
  const violations = [];
  const expectedById = new Map(expected.map((message) => [message.value.eventId, message]));
  const sequences = new Map();
  for (const message of expected) {
    const id = `${message.topic}/${message.key}`;
    const list = sequences.get(id) ?? [];
    list.push(message.value.eventId);
    sequences.set(id, list);
  }
  const seen = new Map();
  const firstOrder = new Map();
  // an order's key hashes to one partition whichever relay (or shard) publishes it
  const partitions = new Map();
  let ours = 0;
  let foreign = 0;
  for (const message of collected) {
    if (!message.key || !orderIds.has(message.key)) {
      foreign += 1;
      continue;
    }
    ours += 1;
    const where = `${message.topic}/${message.key}`;
    const onPartitions = partitions.get(where) ?? [];
    if (!onPartitions.includes(message.partition)) onPartitions.push(message.partition);
    partitions.set(where, onPartitions);
    let value;
    try {
      value = JSON.parse(message.value ?? '');
    } catch {
      violations.push(`${message.topic}@${message.partition}/${message.offset}: value is not JSON`);
      continue;
    }
    const eventId = value.eventId;
    const wanted = expectedById.get(eventId);
    if (!wanted || wanted.topic !== message.topic || wanted.key !== message.key) {
      violations.push(
        `${message.topic} ${message.key}: unexpected message ${eventId} (${value.eventType})`,
      );
      continue;
    }
    seen.set(eventId, (seen.get(eventId) ?? 0) + 1);
    if (seen.get(eventId) > 1) continue;
    const id = `${message.topic}/${message.key}`;
    const order = firstOrder.get(id) ?? [];
    order.push(eventId);
    firstOrder.set(id, order);
    const difference = firstDifference(value, plain(wanted.value));
    if (difference)
      violations.push(`${message.topic} ${eventId}: published envelope differs: ${difference}`);
    if (message.headers.ce_id !== eventId || message.headers.ce_type !== value.eventType)
      violations.push(`${message.topic} ${eventId}: CloudEvents headers do not match the envelope`);
  }
  const missing = expected.filter((message) => !seen.has(message.value.eventId));
  for (const message of missing.slice(0, 8))
    violations.push(
      `never published: ${message.value.eventType} of ${message.key} (stream version ${message.streamVersion}) on ${message.topic}`,
    );
  if (missing.length > 8) violations.push(`... ${missing.length} messages never published in all`);
  let outOfOrder = 0;
  for (const [id, sequence] of sequences) {
    const got = (firstOrder.get(id) ?? []).filter((eventId) => sequence.includes(eventId));
    const want = sequence.filter((eventId) => seen.has(eventId));
    if (!isDeepStrictEqual(got, want)) {
      outOfOrder += 1;
      if (outOfOrder <= 5) violations.push(`${id}: published out of stream order`);
    }
  }
  let moved = 0;
  for (const [where, onPartitions] of partitions)
    if (onPartitions.length > 1) {
      moved += 1;
      if (moved <= 5)
        violations.push(`${where}: published on partitions ${onPartitions.join(', ')}`);
    }
  const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
  return {
    name: 'published',
    ok: violations.length === 0,
    lines: [
      `expected messages: ${expected.length} on ${sequences.size} (topic, order) sequences; received ${ours} (${foreign} of other runs ignored)`,
      `missing: ${missing.length}; out of order: ${outOfOrder}; orders on more than one partition: ${moved}; duplicates (at-least-once re-sends): ${duplicates}`,
    ],
    violations: limited(violations),
    missing: missing.length,
  };
};

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[Math.floor(sorted.length / 2)];
};

/**
 * Memory: per process (and incarnation), RSS at its first sample under load, at the end, and the trend: the median
 * of the last quarter of its samples against the median of its second quarter (past warm-up). Fails when the end
 * exceeds `factor` × warm + `slackMb`.
 */
export const checkRss = (samples, { factor = 1.5, slackMb = 64 } = {}) => {
  const violations = [];
  const lines = [];
  const byProcess = new Map();
  for (const sample of samples) {
    const id = `${sample.name}#${sample.incarnation}`;
    const list = byProcess.get(id) ?? [];
    list.push(sample);
    byProcess.set(id, list);
  }
  for (const [id, list] of byProcess) {
    const values = list.map((sample) => sample.rssMb);
    const quarter = Math.floor(values.length / 4);
    const warm = median(values.slice(quarter, Math.max(quarter + 1, 2 * quarter)));
    const late = median(values.slice(values.length - Math.max(1, quarter)));
    const first = values[0];
    const last = values.at(-1);
    const peak = Math.max(...values);
    const judged = values.length >= 8;
    const bound = warm * factor + slackMb;
    lines.push(
      `${id}: start ${first.toFixed(0)} MB, warm ${warm.toFixed(0)} MB, end ${last.toFixed(0)} MB (late median ${late.toFixed(0)}), peak ${peak.toFixed(0)} MB, ${values.length} samples${judged ? `, bound ${bound.toFixed(0)} MB` : ' (too short-lived to judge a trend)'}`,
    );
    if (judged && late > bound)
      violations.push(
        `${id}: RSS trends upward: ${warm.toFixed(0)} MB warm → ${late.toFixed(0)} MB at the end`,
      );
  }
  return { name: 'memory (RSS)', ok: violations.length === 0, lines, violations };
};
