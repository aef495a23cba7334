// The soak's load driver, forked by scripts/soak.mjs: virtual users drive order lifecycles and bad requests over
// HTTP, spread over every replica, and every response is written to a JSON-lines file for the verifier.
// argv[2] is a JSON config: {targets, durationMs, seed, users, recordFile, kafkaBrokers, inboundFile}; finished
// orders also get payment and risk messages on Kafka (./inbound.mjs).
import { createWriteStream } from 'node:fs';
import { createInboundDriver } from './inbound.mjs';
import { createRandom } from './random.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');
const {
  targets,
  durationMs,
  seed,
  users = 6,
  recordFile,
  thinkMs = 15,
  kafkaBrokers,
  inboundFile,
} = config;
// The orchestrator ends the load with a 'stop' message once its faults are over; this is only a safety net.
let deadline = Date.now() + durationMs + 120_000;
process.on('message', (message) => {
  if (message?.type === 'stop') deadline = Date.now();
});
process.on('disconnect', () => {
  deadline = Math.min(deadline, Date.now());
});
const out = createWriteStream(recordFile);
const downUntil = targets.map(() => 0);
const counts = { requests: 0, transportErrors: 0, orders: 0 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const COMMAND_KINDS = new Set([
  'create',
  'add-line',
  'remove-line',
  'change-quantity',
  'change-address',
  'confirm',
  'cancel',
  'ship',
  'deliver',
  'complete',
  'mark-unfulfillable',
]);

const pickTarget = (random, avoid) => {
  const now = Date.now();
  const up = targets.map((_, index) => index).filter((index) => downUntil[index] <= now);
  const choices = up.length > 0 ? up : targets.map((_, index) => index);
  const preferred = choices.filter((index) => index !== avoid);
  return random.pick(preferred.length > 0 ? preferred : choices);
};

/**
 * One request, recorded. `expect`: the statuses a correct server may answer when the request reaches it (null:
 * the driver cannot know, e.g. after a lost answer). Returns the record with the parsed body.
 */
const send = async (random, kind, method, path, options = {}) => {
  const { body, raw, contentType, key, ifMatch, token, expect = null, orderId, extra } = options;
  const target = options.target ?? pickTarget(random);
  const headers = {};
  if (body !== undefined || raw !== undefined)
    headers['content-type'] = contentType ?? 'application/json';
  if (key !== undefined) headers['idempotency-key'] = key;
  if (ifMatch !== undefined) headers['if-match'] = `"${ifMatch}"`;
  // read-your-writes with a read replica: the token of this client's last write goes back with its read
  if (token) headers['oms-consistency-token'] = token;
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const t0 = Date.now();
  const record = { kind, method, path, target, t0, expect, key, orderId, ...extra };
  if (payload !== undefined)
    record.request = payload.length > 2000 ? payload.slice(0, 2000) : payload;
  let json;
  try {
    const response = await fetch(`${targets[target]}${path}`, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    record.status = response.status;
    record.replayed = response.headers.get('idempotent-replayed') === 'true';
    const etag = response.headers.get('etag');
    if (etag) record.etag = etag;
    const consistencyToken = response.headers.get('oms-consistency-token');
    if (consistencyToken) record.token = consistencyToken;
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      if (typeof json.code === 'string') record.code = json.code;
      if (typeof json.id === 'string') {
        record.orderId = json.id;
        record.version = json.version;
        if (response.status < 300 && COMMAND_KINDS.has(kind)) record.body = json;
      }
    }
  } catch (error) {
    record.status = null;
    record.error = error?.cause?.code ?? error?.name ?? String(error);
    counts.transportErrors += 1;
    downUntil[target] = Date.now() + 500;
  }
  record.t1 = Date.now();
  counts.requests += 1;
  out.write(`${JSON.stringify(record)}\n`);
  return { ...record, json };
};

const retryable = (result) =>
  result.status === null ||
  result.status === 503 ||
  (result.status === 409 && result.code === 'idempotency-key-in-flight');

/**
 * A client that retries: on no answer or a 503, the same request again on another replica (with the same
 * Idempotency-Key, when it has one), until it gets an answer or the load window is over.
 */
const sendWithRetry = async (random, kind, method, path, options = {}) => {
  let result = await send(random, kind, method, path, options);
  let attempts = 1;
  let uncertain = false;
  while (retryable(result) && Date.now() < deadline && attempts < 60) {
    // without a key, a request whose answer was lost (or that failed at its commit) may have been applied: what
    // follows cannot be predicted
    if (options.key === undefined) uncertain = true;
    await sleep(result.status === 409 ? 1_000 : 200 + random.int(0, 300));
    attempts += 1;
    result = await send(random, kind, method, path, {
      ...options,
      target: pickTarget(random, result.target),
      // a create whose first answer was lost may have been committed: its retry with the key replays it as 200
      expect:
        options.key === undefined || uncertain
          ? null
          : options.expect?.includes(201)
            ? [...options.expect, 200]
            : options.expect,
      extra: { ...options.extra, retry: attempts - 1 },
    });
  }
  return { ...result, uncertain: uncertain || retryable(result) };
};

const uuidV7ish = (random) =>
  `${random.hex(8)}-${random.hex(4)}-7${random.hex(3)}-${random.pick(['8', '9', 'a', 'b'])}${random.hex(3)}-${random.hex(12)}`;

const SKUS = ['SKU-001', 'SKU-002', 'SKU-003', 'BOOK-42', 'TEA-7', 'LAMP-3'];
const CURRENCIES = ['USD', 'EUR', 'JPY'];

const lineBody = (random, currencyCode) => ({
  sku: random.pick(SKUS),
  productName: `Product ${random.hex(4)}`,
  quantity: random.int(1, 9),
  unitPrice: {
    amount:
      currencyCode === 'JPY'
        ? String(random.int(100, 9000))
        : `${random.int(1, 500)}.${String(random.int(0, 99)).padStart(2, '0')}`,
    currencyCode,
  },
});

const addressBody = (random) =>
  random.chance(0.3)
    ? {
        line1: `${random.int(1, 999)} Old Field Road`,
        city: 'Leeds',
        postalCode: 'LS1 4AP',
        countryCode: 'GB',
      }
    : {
        street: `${random.int(1, 999)} Analytical Row`,
        city: random.pick(['London', 'Berlin', 'Osaka', 'Lyon']),
        state: 'ST',
        postalCode: `${random.int(10000, 99999)}`,
        country: random.pick(['GB', 'DE', 'JP', 'FR', 'US']),
      };

const createBody = (random) => {
  const currency = random.pick(CURRENCIES);
  return {
    channel: random.pick(['DIRECT', 'ECOMMERCE', 'MARKETPLACE', 'B2B']),
    ...(random.chance(0.3) ? { externalId: `ext-${random.hex(10)}` } : {}),
    customer: random.chance(0.2)
      ? { name: 'Grace Brewster Hopper', email: `grace.${random.hex(6)}@example.com` }
      : {
          firstName: 'Ada',
          lastName: 'Lovelace',
          email: `ada.${random.hex(6)}@example.com`,
          phone: '+44 20 7946 0000',
        },
    shippingAddress: addressBody(random),
    lines: Array.from({ length: random.int(1, 4) }, () => lineBody(random, currency)),
    ...(random.chance(0.2) ? { metadata: { source: 'soak', vu: random.hex(2) } } : {}),
  };
};

/** The driver's view of one order: what its last answer said. */
const track = (order, result) => {
  if (result.status !== null && result.status < 300 && result.json?.id) {
    order.version = result.json.version;
    if (result.json.orderTotal) order.total = result.json.orderTotal;
    order.status = result.json.status;
    order.lines = result.json.lines.map((line) => ({
      lineId: line.lineId,
      quantity: line.quantity,
      shipped: line.shippedQuantity,
    }));
  }
  if (result.uncertain || (result.status !== null && result.status >= 500)) order.uncertain = true;
};

const expectOk = (order, ok = [200]) => (order.uncertain ? null : ok);

const orderCommand = async (random, order, kind, method, suffix, options = {}) => {
  const key =
    method === 'POST' && order.useKeys
      ? `soak-${seed}-${order.id.slice(-12)}-${random.hex(10)}`
      : undefined;
  const result = await sendWithRetry(random, kind, method, `/v1/orders/${order.id}${suffix}`, {
    key,
    orderId: order.id,
    ...options,
    expect:
      options.expect === undefined ? expectOk(order) : order.uncertain ? null : options.expect,
  });
  track(order, result);
  if (result.status !== null && result.status < 300 && random.chance(0.25)) {
    // read-your-writes across replicas: the other replica must already show this version
    await send(random, 'read-after-write', 'GET', `/v1/orders/${order.id}`, {
      target: pickTarget(random, result.target),
      expect: [200],
      orderId: order.id,
      token: result.token,
      extra: { minVersion: result.json?.version },
    });
  }
  return result;
};

const draftEdit = async (random, order) => {
  const kinds = ['add-line', 'change-quantity', 'change-address'];
  if (order.lines.length > 1) kinds.push('remove-line');
  const kind = random.pick(kinds);
  const line = random.pick(order.lines);
  if (kind === 'add-line')
    return orderCommand(random, order, kind, 'POST', '/lines', {
      body: lineBody(random, order.currency),
    });
  if (kind === 'remove-line')
    return orderCommand(random, order, kind, 'DELETE', `/lines/${line.lineId}`);
  if (kind === 'change-quantity')
    return orderCommand(random, order, kind, 'PATCH', `/lines/${line.lineId}`, {
      body: { quantity: random.int(1, 20) },
    });
  return orderCommand(random, order, kind, 'PUT', '/shipping-address', {
    body: addressBody(random),
  });
};

const shipSome = async (random, order) => {
  const remaining = order.lines.filter((line) => line.quantity > line.shipped);
  const partial =
    remaining.length > 1 || remaining.some((line) => line.quantity - line.shipped > 1);
  const shipmentId = `shp-${random.hex(12)}`;
  let body;
  if (partial && random.chance(0.6)) {
    const chosen = remaining.filter(() => random.chance(0.6));
    const lines = (chosen.length > 0 ? chosen : [remaining[0]]).map((line) => ({
      lineId: line.lineId,
      quantity: random.int(1, line.quantity - line.shipped),
    }));
    body = { shipmentId, carrier: 'DHL', trackingNumber: random.hex(10), lines };
  } else body = random.chance(0.5) ? { shipmentId, carrier: 'UPS' } : {};
  const result = await orderCommand(random, order, 'ship', 'POST', '/ship', { body });
  if (body.shipmentId && result.status === 200 && random.chance(0.2)) {
    // the same shipment recorded again is a no-op: 200 at the same version
    const again = await orderCommand(random, order, 'ship', 'POST', '/ship', {
      body,
      extra: { sameShipmentAsVersion: result.json?.version },
    });
    return again;
  }
  return result;
};

/** Drives one order; `holder.order` is the order once created (for what comes after its lifecycle). */
const lifecycleSteps = async (random, vu, holder) => {
  const useKey = random.chance(0.5);
  const key = useKey ? `soak-${seed}-${vu}-${random.hex(16)}` : undefined;
  const body = createBody(random);
  const created = await sendWithRetry(random, 'create', 'POST', '/v1/orders', {
    body,
    key,
    expect: [201],
  });
  if (created.status !== 201 && created.status !== 200) return;
  counts.orders += 1;
  const order = {
    id: created.json.id,
    useKeys: useKey,
    currency: created.json.currencyCode,
    total: created.json.orderTotal,
    uncertain: created.uncertain,
  };
  holder.order = order;
  track(order, created);
  if (key !== undefined && random.chance(0.3)) {
    // the client did not see the answer and sends the same request again, to the other replica
    await send(random, 'create', 'POST', '/v1/orders', {
      body,
      key,
      target: pickTarget(random, created.target),
      expect: [200],
      extra: { duplicateOf: order.id },
    });
  }
  if (key !== undefined && random.chance(0.05)) {
    await send(random, 'key-reused', 'POST', '/v1/orders', {
      body: { ...body, externalId: 'another-request' },
      key,
      expect: [422],
    });
  }
  for (let edits = random.int(0, 3); edits > 0 && Date.now() < deadline; edits -= 1)
    await draftEdit(random, order);

  const path = random.weighted({
    happy: 5,
    race: 2,
    cancelDraft: 1,
    confirmCancel: 1,
    unfulfillable: 1,
    staleIfMatch: 1,
    editAfterConfirm: 1,
    invalidTransition: 1,
    leaveDraft: 1,
  });
  switch (path) {
    case 'race': {
      const [confirm, cancel] = await Promise.all([
        send(random, 'confirm', 'POST', `/v1/orders/${order.id}/confirm`, {
          target: 0 % targets.length,
          expect: order.uncertain ? null : [200, 409],
          orderId: order.id,
          extra: { race: true },
        }),
        send(random, 'cancel', 'POST', `/v1/orders/${order.id}/cancel`, {
          target: 1 % targets.length,
          body: { reason: 'customer changed their mind' },
          expect: order.uncertain ? null : [200],
          orderId: order.id,
          extra: { race: true },
        }),
      ]);
      track(order, cancel.status === 200 ? cancel : confirm);
      return;
    }
    case 'cancelDraft':
      await orderCommand(random, order, 'cancel', 'POST', '/cancel', {
        body: { reason: 'duplicate order' },
      });
      return;
    case 'staleIfMatch':
      await orderCommand(random, order, 'change-address', 'PUT', '/shipping-address', {
        body: addressBody(random),
        ifMatch: Math.max(0, (order.version ?? 1) - 1),
        expect: [412],
      });
      return;
    case 'invalidTransition':
      await orderCommand(random, order, 'deliver', 'POST', '/deliver', { expect: [409] });
      return;
    case 'leaveDraft':
      return;
    default:
      break;
  }
  await orderCommand(random, order, 'confirm', 'POST', '/confirm');
  if (order.status !== 'CONFIRMED') return;
  if (path === 'confirmCancel') {
    await orderCommand(random, order, 'cancel', 'POST', '/cancel', {
      body: { reason: 'out of stock' },
    });
    return;
  }
  if (path === 'unfulfillable') {
    await orderCommand(random, order, 'mark-unfulfillable', 'POST', '/mark-unfulfillable', {
      body: { reason: 'warehouse fire' },
    });
    return;
  }
  if (path === 'editAfterConfirm') {
    await orderCommand(random, order, 'add-line', 'POST', '/lines', {
      body: lineBody(random, order.currency),
      expect: [409],
    });
    return;
  }
  for (let shipments = 0; shipments < 5 && order.status !== 'SHIPPED'; shipments += 1) {
    if (Date.now() >= deadline || order.uncertain) return;
    const before = order.status;
    await shipSome(random, order);
    if (order.status === before && before !== 'PARTIALLY_SHIPPED') return;
  }
  if (order.status !== 'SHIPPED' || random.chance(0.1)) return;
  await orderCommand(random, order, 'deliver', 'POST', '/deliver', {
    body: random.chance(0.5) ? { deliveredAt: new Date().toISOString() } : undefined,
  });
  if (order.status !== 'DELIVERED' || random.chance(0.1)) return;
  await orderCommand(random, order, 'complete', 'POST', '/complete');
};

const inbound = await createInboundDriver({ brokers: kafkaBrokers, file: inboundFile, seed });

const lifecycle = async (random, vu) => {
  const holder = {};
  await lifecycleSteps(random, vu, holder);
  if (holder.order && Date.now() < deadline) await inbound.afterLifecycle(random, holder.order);
};

const badRequest = async (random) => {
  const kind = random.weighted({
    malformed: 2,
    invalidFields: 2,
    unknownOrder: 2,
    unknownOrderCommand: 1,
    mediaType: 1,
    badCursor: 1,
    listing: 2,
  });
  switch (kind) {
    case 'malformed':
      return send(random, 'invalid-json', 'POST', '/v1/orders', {
        raw: '{"customer": {"firstName": "Ada",',
        expect: [400],
      });
    case 'invalidFields': {
      const body = createBody(random);
      body.lines[0].quantity = random.pick([0, -3, 1.5]);
      body.shippingAddress.country = 'XX';
      body.customer = { firstName: '', lastName: 'L', email: 'not-an-email' };
      return send(random, 'invalid-fields', 'POST', '/v1/orders', { body, expect: [422] });
    }
    case 'unknownOrder':
      return send(random, 'unknown-order', 'GET', `/v1/orders/${uuidV7ish(random)}`, {
        expect: [404],
      });
    case 'unknownOrderCommand':
      return send(random, 'unknown-order', 'POST', `/v1/orders/${uuidV7ish(random)}/confirm`, {
        expect: [404],
      });
    case 'mediaType':
      return send(random, 'unsupported-media-type', 'POST', '/v1/orders', {
        raw: 'customer=ada',
        contentType: 'text/plain',
        expect: [415],
      });
    case 'badCursor':
      return send(random, 'invalid-cursor', 'GET', '/v1/orders?cursor=%%%not-a-cursor', {
        expect: [400],
      });
    default:
      return send(random, 'list', 'GET', `/v1/orders?limit=${random.int(1, 50)}`, {
        expect: [200],
      });
  }
};

const virtualUser = async (vu) => {
  const random = createRandom(seed * 1000 + vu);
  while (Date.now() < deadline) {
    if (random.chance(0.15)) await badRequest(random);
    else await lifecycle(random, vu);
    await sleep(random.int(0, thinkMs));
  }
};

await Promise.all(Array.from({ length: users }, (_, vu) => virtualUser(vu)));
await new Promise((resolve) => out.end(resolve));
await inbound.close();
counts.inbound = inbound.counts;
process.send?.({ type: 'done', counts });
process.disconnect?.();
process.stdout.write(`${JSON.stringify({ done: counts })}\n`);
