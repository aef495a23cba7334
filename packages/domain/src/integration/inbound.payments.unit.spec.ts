import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { harness, seedInput } from '../../test/harness.js';
import { HIGH_RISK_HOLD_ID } from '../order/order.holds.js';
import { type InboundCommand, inboundToRequest } from './inbound.js';

const ORDER = '0190a000-0000-7000-8000-000000000001';
const AT = '2026-01-20T08:30:00+01:00';

const payment = (overrides: Record<string, unknown> = {}) => ({
  orderId: ORDER,
  paymentId: 'pi_3N',
  amount: { amount: '59.98', currencyCode: 'USD' },
  provider: 'stripe',
  at: AT,
  ...overrides,
});

const PAYMENT_TOPICS = [
  ['oms.payments.authorized', 'AUTHORIZED'],
  ['oms.payments.captured', 'CAPTURED'],
  ['oms.payments.failed', 'FAILED'],
] as const;

describe('inboundToRequest: payments and risk (spec §6)', () => {
  it.each(PAYMENT_TOPICS)(
    '%s records a payment with status %s, bare or in an envelope',
    (topic, status) => {
      const bare = inboundToRequest(topic, payment())._unsafeUnwrap();
      expect(bare).toEqual({
        request: {
          type: 'RecordPayment',
          orderId: ORDER,
          input: {
            paymentId: 'pi_3N',
            amount: { amount: '59.98', currencyCode: 'USD' },
            provider: 'stripe',
            status,
          },
        },
      });
      const wrapped = inboundToRequest(topic, {
        eventId: 'psp-1',
        eventType: 'payment',
        payload: payment({ provider: undefined }),
      })._unsafeUnwrap() as InboundCommand;
      expect(wrapped.eventId).toBe('psp-1');
      expect(wrapped.request).toMatchObject({ type: 'RecordPayment', input: { status } });
      expect(wrapped.request).not.toHaveProperty('input.provider');
    },
  );

  it('refuses a payment notice that can never apply, naming every bad field', () => {
    const refused = inboundToRequest(
      'oms.payments.authorized',
      payment({ orderId: 'nope', amount: { amount: '-1', currencyCode: 'USD' }, at: 'yesterday' }),
    );
    expect(refused.isErr()).toBe(true);
    const error = refused._unsafeUnwrapErr();
    expect(error.code).toBe('validation-failed');
    const paths = error.code === 'validation-failed' ? error.errors.map((e) => e.path) : [];
    expect(paths).toEqual(expect.arrayContaining(['orderId', 'amount.amount', 'at']));
    expect(inboundToRequest('oms.payments.captured', payment({ paymentId: '' })).isErr()).toBe(
      true,
    );
  });

  it('oms.risk.assessed HIGH places the one fraud hold of the order, with the reason as its note', () => {
    expect(
      inboundToRequest('oms.risk.assessed', {
        orderId: ORDER,
        riskLevel: 'HIGH',
        reason: 'card testing pattern',
      })._unsafeUnwrap(),
    ).toEqual({
      request: {
        type: 'PlaceHold',
        orderId: ORDER,
        input: {
          reason: 'HIGH_RISK_OF_FRAUD',
          holdId: HIGH_RISK_HOLD_ID,
          note: 'card testing pattern',
        },
      },
    });
  });

  it('oms.risk.assessed LOW or MEDIUM asks for nothing (not a dead letter)', () => {
    for (const riskLevel of ['LOW', 'MEDIUM'])
      expect(
        inboundToRequest('oms.risk.assessed', {
          eventId: 'r-1',
          payload: { orderId: ORDER, riskLevel },
        })._unsafeUnwrap(),
      ).toEqual({
        nothingToDo: `risk ${riskLevel}: only a HIGH risk holds the order`,
        orderId: ORDER,
        eventId: 'r-1',
      });
    expect(
      inboundToRequest('oms.risk.assessed', { orderId: ORDER, riskLevel: 'CRITICAL' }).isErr(),
    ).toBe(true);
  });

  it('the requests run through the command handler: authorized then captured, a HIGH risk holds the order', async () => {
    const h = harness();
    const { view } = await h.run({ type: 'CreateOrder', input: seedInput() });
    const run = async (topic: Parameters<typeof inboundToRequest>[0], value: unknown) => {
      const inbound = inboundToRequest(topic, value)._unsafeUnwrap();
      if (inbound.request === undefined) throw new Error('expected a request');
      return (await h.run(inbound.request)).view;
    };
    const value = payment({ orderId: view.id, amount: view.orderTotal });
    expect((await run('oms.payments.authorized', value)).paymentStatus).toBe('AUTHORIZED');
    expect((await run('oms.payments.captured', value)).paymentStatus).toBe('CAPTURED');
    const held = await run('oms.risk.assessed', { orderId: view.id, riskLevel: 'HIGH' });
    expect(held.holds).toEqual([
      expect.objectContaining({ holdId: HIGH_RISK_HOLD_ID, reason: 'HIGH_RISK_OF_FRAUD' }),
    ]);
    // the same assessment again is a no-op: still one hold, no new event
    const again = await run('oms.risk.assessed', { orderId: view.id, riskLevel: 'HIGH' });
    expect(again.version).toBe(held.version);
  });

  it('never throws: any value is a request, nothing to do, or validation-failed', () => {
    const topics = [...PAYMENT_TOPICS.map(([topic]) => topic), 'oms.risk.assessed'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...topics),
        fc.oneof(
          fc.anything(),
          fc.record({
            orderId: fc.oneof(fc.constant(ORDER), fc.string()),
            paymentId: fc.string(),
            amount: fc.record({ amount: fc.string(), currencyCode: fc.string() }),
            riskLevel: fc.constantFrom('LOW', 'MEDIUM', 'HIGH', 'high'),
            at: fc.oneof(fc.constant(AT), fc.string()),
          }),
        ),
        (topic, value) => {
          const result = inboundToRequest(topic, value);
          if (result.isErr()) expect(result.error.code).toBe('validation-failed');
          else
            expect(result.value.request !== undefined || 'nothingToDo' in result.value).toBe(true);
        },
      ),
    );
  });
});
