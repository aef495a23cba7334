// The soak's checks of spec §6: holds and payments in every stored stream, and the payment and risk messages sent
// on Kafka (one effect or one dead letter each).

const limited = (violations, max = 12) =>
  violations.length <= max
    ? violations
    : [...violations.slice(0, max), `… and ${violations.length - max} more`];

/** A decimal string as an integer of 10^-6 units (amounts have at most 4 decimals here). */
const units = (amount) => {
  const [whole = '0', fraction = ''] = String(amount).split('.');
  const sign = whole.startsWith('-') ? -1n : 1n;
  return (
    sign *
    (BigInt(whole.replace('-', '') || '0') * 1_000_000n +
      BigInt(fraction.padEnd(6, '0').slice(0, 6)))
  );
};

const ENTERED_ONLY_WITHOUT_HOLDS = new Set([
  'order.confirmed',
  'order.shipped',
  'order.marked_unfulfillable',
]);
const TERMINAL = new Set(['CANCELLED', 'UNFULFILLABLE', 'COMPLETED']);

/**
 * Over every stream, event by event (the fold the server uses): no order is confirmed, shipped or marked
 * unfulfillable while a hold is active (at the end of that event's append), no hold is placed on a terminal order,
 * and what is authorized or captured never exceeds the order total.
 */
export const checkHoldInvariants = (streams, { evolve, initialState }) => {
  const violations = [];
  const counts = { holdsPlaced: 0, holdsReleased: 0, payments: 0, heldNow: 0, paid: {} };
  for (const [orderId, events] of streams) {
    let state = initialState();
    // the events of one append share their idempotency key and time; a transition is judged at its append's end
    const pending = [];
    const judge = () => {
      for (const { event, before } of pending.splice(0))
        if (state.holds?.length > 0)
          violations.push(
            `${orderId} v${event.streamVersion}: ${event.type} (${before} → ${state.status}) with active hold(s) ${state.holds.map((h) => h.holdId).join(', ')}`,
          );
    };
    let appendOf;
    for (const event of events) {
      const append = `${event.occurredAt}/${event.metadata.idempotencyKey ?? event.metadata.correlationId}`;
      if (appendOf !== undefined && append !== appendOf) judge();
      appendOf = append;
      const before = state;
      state = evolve(state, { type: event.type, data: event.data });
      if (ENTERED_ONLY_WITHOUT_HOLDS.has(event.type))
        pending.push({ event, before: before.status });
      if (event.type === 'order.hold_placed') {
        counts.holdsPlaced += 1;
        if (TERMINAL.has(before.status))
          violations.push(
            `${orderId} v${event.streamVersion}: hold placed on a ${before.status} order`,
          );
      }
      if (event.type === 'order.hold_released') counts.holdsReleased += 1;
      if (event.type === 'order.payment_recorded') counts.payments += 1;
      if (state.status !== 'NONE' && state.payments) {
        const covered = state.payments
          .filter((payment) => payment.status === 'AUTHORIZED' || payment.status === 'CAPTURED')
          .reduce((sum, payment) => sum + units(payment.amount.amount), 0n);
        if (covered > units(state.orderTotal.amount))
          violations.push(
            `${orderId} v${event.streamVersion}: authorized/captured ${covered} µ > total ${state.orderTotal.amount}`,
          );
      }
    }
    judge();
    if (state.status !== 'NONE') {
      if (state.holds?.length > 0) counts.heldNow += 1;
      counts.paid[state.paymentStatus] = (counts.paid[state.paymentStatus] ?? 0) + 1;
    }
  }
  return {
    name: 'holds and payments (spec §6)',
    ok: violations.length === 0,
    lines: [
      `holds placed ${counts.holdsPlaced}, released ${counts.holdsReleased}, orders held at the end ${counts.heldNow}; payments recorded ${counts.payments}; payment statuses ${JSON.stringify(counts.paid)}`,
      'no order confirmed/shipped/marked unfulfillable with an active hold; no hold on a terminal order; authorized + captured ≤ total at every version',
    ],
    violations: limited(violations),
  };
};

/** What each sent message did: its events (by the consumer's idempotency key) and its dead letters. */
export const inboundEffects = (sent, streams, deadLetters) => {
  const byKey = new Map();
  for (const [orderId, events] of streams)
    for (const event of events) {
      const key = event.metadata.idempotencyKey;
      if (typeof key !== 'string' || !key.startsWith('event:soak-')) continue;
      const list = byKey.get(key) ?? [];
      list.push({ orderId, event });
      byKey.set(key, list);
    }
  const dead = new Map();
  for (const message of deadLetters) {
    try {
      const eventId = JSON.parse(message.value ?? '').eventId;
      if (typeof eventId === 'string') dead.set(eventId, (dead.get(eventId) ?? 0) + 1);
    } catch {}
  }
  return sent.map((message) => ({
    message,
    events: byKey.get(`event:${message.eventId}`) ?? [],
    deadLetters: dead.get(message.eventId) ?? 0,
  }));
};

/** Settled: every sent message has its effect or its dead letter (or, for LOW/MEDIUM risk, nothing to show). */
export const inboundSettled = (effects) =>
  effects.every(
    ({ message, events, deadLetters }) =>
      events.length > 0 ||
      deadLetters > 0 ||
      (message.kind === 'risk' && message.riskLevel !== 'HIGH'),
  );

/**
 * One effect per message: a payment notice records one payment (its events are one append: with
 * OMS_CONFIRM_REQUIRES_PAYMENT also the release and the confirmation) or is dead-lettered, never both. A dead letter
 * is at-least-once like every publish: a copy sent twice, or redelivered after a cut, is refused again from its
 * idempotency record ("(replayed)") and dead-lettered again (skipping it could lose the dead letter when the first
 * attempt recorded the refusal but died before the DLQ had it); such copies are counted, not violations;
 * a payment above the total is dead-lettered; HIGH risk places the fraud hold or is dead-lettered; LOW and MEDIUM do
 * nothing.
 */
export const checkInbound = (effects) => {
  const violations = [];
  const tally = { applied: 0, deadLettered: 0, ignored: 0, duplicatesSent: 0, deadLetterCopies: 0 };
  for (const { message, events, deadLetters } of effects) {
    tally.duplicatesSent += message.copies - 1;
    const where = `${message.topic} ${message.eventId} (order ${message.orderId})`;
    const types = events.map(({ event }) => event.type);
    const appends = new Set(events.map(({ event }) => event.occurredAt)).size;
    if (events.some(({ orderId }) => orderId !== message.orderId))
      violations.push(`${where}: an effect on another order`);
    if (appends > 1) violations.push(`${where}: applied ${appends} times (${types.join(', ')})`);
    if (deadLetters > 1) tally.deadLetterCopies += deadLetters - 1;
    if (events.length > 0 && deadLetters > 0)
      violations.push(`${where}: both applied (${types.join(', ')}) and dead-lettered`);
    if (message.kind === 'payment') {
      const recorded = types.filter((type) => type === 'order.payment_recorded').length;
      if (events.length > 0 && recorded !== 1)
        violations.push(`${where}: ${recorded} payment_recorded events (${types.join(', ')})`);
      if (message.aboveTotal && events.length > 0)
        violations.push(`${where}: a payment above the order total was recorded`);
      if (events.length === 0 && deadLetters === 0)
        violations.push(`${where}: no effect, no dead letter`);
    } else if (message.riskLevel === 'HIGH') {
      if (events.length > 0 && types.join() !== 'order.hold_placed')
        violations.push(`${where}: HIGH risk gave ${types.join(', ')}`);
      if (events.length === 0 && deadLetters === 0)
        violations.push(`${where}: no effect, no dead letter`);
    } else if (events.length > 0 || deadLetters > 0)
      violations.push(
        `${where}: ${message.riskLevel} risk had an effect (${types.join(', ')}${deadLetters ? ', dead letter' : ''})`,
      );
    if (events.length > 0) tally.applied += 1;
    else if (deadLetters > 0) tally.deadLettered += 1;
    else tally.ignored += 1;
  }
  return {
    name: 'inbound payments and risk (Kafka)',
    ok: violations.length === 0,
    lines: [
      `messages ${effects.length} (${tally.duplicatesSent} sent twice): applied once ${tally.applied}, dead-lettered ${tally.deadLettered} (extra at-least-once dead-letter copies: ${tally.deadLetterCopies}), nothing to do ${tally.ignored}`,
    ],
    violations: limited(violations),
  };
};
