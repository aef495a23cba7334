import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  address,
  historyFor,
  holdPlaced,
  LINE_A,
  LINE_B,
  ORDER_ID,
  paymentRecorded,
} from '../../test/builders.js';
import type { OrderCommand } from './order.commands.js';
import { decide } from './order.decide.js';
import { ORDER_ERROR_CODES } from './order.errors.js';
import { ORDER_EVENT_SCHEMAS } from './order.events.js';
import { fold } from './order.evolve.js';
import { ORDER_STATUSES } from './order.status.js';
import { foldStored } from './order.upcast.js';
import { OrderViewSchema, toOrderView } from './order.view.js';

/** Values a caller can put into a well-typed command: plausible ones, edge cases, and hostile ones. */
const text = fc.oneof(
  fc.constantFrom(
    'Ada',
    'SKU-1',
    'reason',
    '',
    ' ',
    '  padded  ',
    'a\u0000b',
    '\ud800',
    'x'.repeat(600),
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
);
const integer = fc.oneof(
  fc.integer({ min: -3, max: 8 }),
  fc.constantFrom(
    0,
    1_000_000,
    1_000_001,
    1.5,
    -5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
    2 ** 53,
  ),
  fc.double(),
);
const amount = fc.oneof(
  fc.constantFrom('29.99', '0', '10', '0.0001', '999999999999999.9999', '600000000000000'),
  fc.constantFrom('-5', '0x10', '1e3', ' 1', '', '0.00001', 'NaN', '1000000000000000', '-3.123456'),
  fc.string({ maxLength: 12 }),
);
const currency = fc.oneof(
  fc.constantFrom('USD', 'USD', 'EUR', 'JPY', 'CLF', 'usd', 'HRK', 'ZZZ', ''),
  fc.string({ maxLength: 4 }),
);
const id = fc.oneof(
  fc.constantFrom(
    ORDER_ID,
    LINE_A,
    LINE_B,
    '0190a000-0000-7000-8000-0000000000ee',
    'not-a-uuid',
    '',
  ),
  fc.uuid(),
);
const timestamp = fc.oneof(
  fc.constantFrom(
    '2026-01-16T09:00:00.000Z',
    '2026-01-16T09:00:00+02:00',
    '2026-02-30T00:00:00Z',
    'yesterday',
    '',
  ),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
);
const country = fc.oneof(fc.constantFrom('GB', 'US', 'gb', 'ZZ', ''), fc.string({ maxLength: 3 }));
const line = fc.record({
  lineId: id,
  sku: text,
  productName: text,
  quantity: integer,
  unitPrice: fc.record({ amount, currencyCode: currency }),
});
const addr = fc.oneof(
  fc.constant(address),
  fc.record({ street: text, city: text, postalCode: text, country }),
);
const metadata = { now: timestamp };

const commandArb: fc.Arbitrary<OrderCommand> = fc.oneof(
  fc.record({
    type: fc.constant('CreateOrder' as const),
    data: fc.record(
      {
        orderId: id,
        channel: fc.constantFrom('DIRECT', 'ECOMMERCE', 'B2B', 'MARKETPLACE'),
        externalId: text,
        customer: fc.record({
          firstName: text,
          lastName: text,
          email: fc.oneof(fc.constant('ada@example.com'), text),
        }),
        shippingAddress: addr,
        billingAddress: addr,
        lines: fc.array(line, { maxLength: 4 }),
        currencyCode: currency,
        placedAt: timestamp,
        metadata: fc.dictionary(text, text, { maxKeys: 3 }),
      },
      { requiredKeys: ['orderId', 'channel', 'customer', 'shippingAddress', 'lines'] },
    ),
    metadata: fc.record(metadata),
  }),
  fc.record({
    type: fc.constant('AddLine' as const),
    data: fc.record({ orderId: id, line }),
    metadata: fc.record(metadata),
  }),
  fc.record({
    type: fc.constant('RemoveLine' as const),
    data: fc.record({ orderId: id, lineId: id }),
    metadata: fc.record(metadata),
  }),
  fc.record({
    type: fc.constant('ChangeLineQuantity' as const),
    data: fc.record({ orderId: id, lineId: id, quantity: integer }),
    metadata: fc.record(metadata),
  }),
  fc.record({
    type: fc.constant('ChangeShippingAddress' as const),
    data: fc.record({ orderId: id, shippingAddress: addr }),
    metadata: fc.record(metadata),
  }),
  fc.record({
    type: fc.constant('ConfirmOrder' as const),
    data: fc.record({ orderId: id }),
    metadata: fc.record(metadata),
  }),
  fc.record({
    type: fc.constant('CancelOrder' as const),
    data: fc.record({ orderId: id, reason: text }),
    metadata: fc.record(metadata),
  }),
  fc.record({
    type: fc.constant('ShipOrder' as const),
    data: fc.record(
      {
        orderId: id,
        shipmentId: text,
        carrier: text,
        trackingNumber: text,
        lines: fc.array(
          fc.record({ lineId: id, quantity: integer }, { requiredKeys: ['lineId'] }),
          { maxLength: 3 },
        ),
        shippedAt: timestamp,
      },
      { requiredKeys: ['orderId', 'shipmentId'] },
    ),
    metadata: fc.record(metadata),
  }),
  fc.record({
    type: fc.constant('MarkUnfulfillable' as const),
    data: fc.record(
      { orderId: id, reason: text, unfulfillableAt: timestamp },
      { requiredKeys: ['orderId', 'reason'] },
    ),
    metadata: fc.record(metadata),
  }),
  fc.record({
    type: fc.constant('DeliverOrder' as const),
    data: fc.record({ orderId: id, deliveredAt: timestamp }, { requiredKeys: ['orderId'] }),
    metadata: fc.record(metadata),
  }),
  fc.record({
    type: fc.constant('CompleteOrder' as const),
    data: fc.record({ orderId: id }),
    metadata: fc.record(metadata),
  }),
  fc.record({
    type: fc.constant('PlaceHold' as const),
    data: fc.record(
      {
        orderId: id,
        holdId: fc.oneof(fc.constantFrom('hold-test', 'awaiting-payment'), text),
        reason: fc.oneof(fc.constantFrom('MANUAL', 'HIGH_RISK_OF_FRAUD', 'manual'), text),
        note: text,
      },
      { requiredKeys: ['orderId', 'holdId', 'reason'] },
    ),
    metadata: fc.record({ now: timestamp, actor: text }, { requiredKeys: ['now'] }),
  }),
  fc.record({
    type: fc.constant('ReleaseHold' as const),
    data: fc.record({ orderId: id, holdId: fc.oneof(fc.constant('hold-test'), text) }),
    metadata: fc.record({ now: timestamp, actor: text }, { requiredKeys: ['now'] }),
  }),
  fc.record({
    type: fc.constant('RecordPayment' as const),
    data: fc.record(
      {
        orderId: id,
        paymentId: fc.oneof(fc.constant('pi_test'), text),
        amount: fc.record({ amount, currencyCode: currency }),
        provider: text,
        status: fc.oneof(
          fc.constantFrom('AUTHORIZED', 'CAPTURED', 'FAILED', 'VOIDED', 'PENDING'),
          text,
        ),
      },
      { requiredKeys: ['orderId', 'paymentId', 'amount', 'status'] },
    ),
    metadata: fc.record(metadata),
  }),
) as fc.Arbitrary<OrderCommand>;

/** Every reachable status (some held, some paid), and an order that holds an event a newer version wrote. */
const stateArb = fc.oneof(
  fc.constantFrom('NONE' as const, ...ORDER_STATUSES).map((status) => fold(historyFor(status))),
  fc
    .constantFrom('DRAFT' as const, 'CONFIRMED' as const, 'PARTIALLY_SHIPPED' as const)
    .chain((status) =>
      fc
        .subarray([
          holdPlaced(),
          holdPlaced('awaiting-payment', 'AWAITING_PAYMENT'),
          paymentRecorded('40'),
        ])
        .map((extra) => fold([...historyFor(status), ...extra])),
    ),
  fc.constant(
    foldStored([
      ...historyFor('DRAFT').map((event) => ({ ...event, schemaVersion: 1 })),
      { type: 'order.gift_wrapped', schemaVersion: 1, data: {} },
    ]),
  ),
);

describe('decide with arbitrary well-typed commands, hostile values included (fast-check)', () => {
  it('never throws, answers a known error code, and emits only events its own schemas accept', () => {
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(commandArb, stateArb, fc.boolean(), (command, state, requiresPayment) => {
        const decision = decide(command, state, { confirmRequiresPayment: requiresPayment });
        if (decision.isErr()) {
          outcomes.add(decision.error.code);
          expect(ORDER_ERROR_CODES).toContain(decision.error.code);
          if (decision.error.code === 'validation-failed')
            expect(decision.error.errors.length).toBeGreaterThan(0);
          return;
        }
        outcomes.add('ok');
        for (const event of decision.value) {
          const parsed = ORDER_EVENT_SCHEMAS[event.type].data.safeParse(event.data);
          expect(parsed.success, `${event.type} ${JSON.stringify(parsed.error?.issues)}`).toBe(
            true,
          );
          expect(parsed.data).toEqual(event.data);
        }
        const after = fold(decision.value, state);
        if (after.status !== 'NONE') OrderViewSchema.parse(toOrderView(after));
      }),
      { numRuns: 2000 },
    );
    // not vacuous: hostile input is refused, and well-formed input gets through
    expect(outcomes).toContain('ok');
    expect(outcomes).toContain('validation-failed');
    expect(outcomes).toContain('unknown-event');
  }, 60_000);
});
