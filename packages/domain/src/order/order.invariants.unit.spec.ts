import { describe, expect, it } from 'vitest';
import { commands, LINE_A, lineA, lineB, NOW, ORDER_ID, uuidOf } from '../../test/builders.js';
import { harness, seedInput } from '../../test/harness.js';
import type { OrderCommand } from './order.commands.js';
import { decide } from './order.decide.js';
import type { FieldError, OrderError } from './order.errors.js';
import { fold } from './order.evolve.js';
import { initialState } from './order.state.js';

const draft = () => fold(decide(commands.CreateOrder(), initialState())._unsafeUnwrap());
const changeQuantity = (quantity: number): OrderCommand => ({
  type: 'ChangeLineQuantity',
  data: { orderId: ORDER_ID, lineId: LINE_A, quantity },
  metadata: { now: NOW },
});
const paths = (error: OrderError): string[] =>
  error.code === 'validation-failed' ? error.errors.map((item: FieldError) => item.path) : [];

/** Spec §1–2 rules hold through `decide` itself, whoever built the command: "parse, don't validate". */
describe('decide refuses commands that break the rules of spec §1–2, whatever the caller', () => {
  it.each([-5, 0, 1.5, 1_000_001, Number.NaN])(
    'ChangeLineQuantity {quantity: %d} is validation-failed, nothing stored',
    (quantity) => {
      const error = decide(changeQuantity(quantity), draft())._unsafeUnwrapErr();
      expect(error.code).toBe('validation-failed');
      expect(paths(error)).toEqual(['data.quantity']);
    },
  );

  it('CreateOrder with 501 lines, bad email, empty first name, country ZZ, amount -3.123456: every problem listed', () => {
    const base = commands.CreateOrder();
    const lines = Array.from({ length: 501 }, (_, index) => ({
      ...lineA,
      lineId: uuidOf(0x5000 + index),
    }));
    const bad = lines.map((line, index) =>
      index === 0 ? { ...line, unitPrice: { amount: '-3.123456', currencyCode: 'USD' } } : line,
    );
    const error = decide(
      {
        ...base,
        data: {
          ...base.data,
          customer: { firstName: '', lastName: 'L', email: 'x' },
          shippingAddress: { ...base.data.shippingAddress, country: 'ZZ' },
          lines: bad,
        },
      },
      initialState(),
    )._unsafeUnwrapErr();
    expect(error.code).toBe('validation-failed');
    expect(paths(error).sort()).toEqual(
      [
        'data.customer.email',
        'data.customer.firstName',
        'data.lines',
        'data.shippingAddress.country',
      ].sort(),
    );
    // an over-long list is refused before its items are read (bounded work); at 500 lines the item is named
    const atLimit = decide(
      { ...base, data: { ...base.data, lines: bad.slice(0, 500) } },
      initialState(),
    )._unsafeUnwrapErr();
    expect(paths(atLimit)).toEqual(['data.lines.0.unitPrice.amount']);
  });

  it('CreateOrder with no lines is validation-failed (not mixed-currencies)', () => {
    const base = commands.CreateOrder();
    const error = decide({ ...base, data: { ...base.data, lines: [] } }, initialState());
    expect(error._unsafeUnwrapErr()).toMatchObject({
      code: 'validation-failed',
      errors: [{ path: 'data.lines' }],
    });
  });

  it('a lower-case currency is read as the ISO code: the stored event never holds "usd"', () => {
    const base = commands.CreateOrder();
    const [created] = decide(
      {
        ...base,
        data: {
          ...base.data,
          lines: [{ ...lineA, unitPrice: { amount: '29.99', currencyCode: 'usd' } }],
        },
      },
      initialState(),
    )._unsafeUnwrap();
    expect(created).toMatchObject({
      type: 'order.created',
      data: { currencyCode: 'USD', lines: [{ unitPrice: { currencyCode: 'USD' } }] },
    });
  });

  it('refuses a withdrawn currency (HRK), an unknown command type, and text PostgreSQL cannot store', () => {
    const base = commands.CreateOrder();
    const hrk = decide(
      {
        ...base,
        data: {
          ...base.data,
          lines: [{ ...lineB, unitPrice: { amount: '1', currencyCode: 'HRK' } }],
        },
      },
      initialState(),
    )._unsafeUnwrapErr();
    expect(paths(hrk)).toEqual(['data.lines.0.unitPrice.currencyCode']);
    const unknown = decide(
      { ...base, type: 'DropTables' } as unknown as OrderCommand,
      initialState(),
    );
    expect(paths(unknown._unsafeUnwrapErr())).toEqual(['type']);
    const nul = decide(
      { ...commands.CancelOrder(), data: { orderId: ORDER_ID, reason: 'a\u0000b' } },
      draft(),
    );
    expect(paths(nul._unsafeUnwrapErr())).toEqual(['data.reason']);
  });

  it('refuses a line or order total beyond 15 integer digits instead of storing it', () => {
    const base = commands.CreateOrder();
    const huge = {
      ...lineA,
      quantity: 1_000_000,
      unitPrice: { amount: '999999999999999.9999', currencyCode: 'USD' },
    };
    const error = decide({ ...base, data: { ...base.data, lines: [huge] } }, initialState());
    expect(error._unsafeUnwrapErr()).toMatchObject({
      code: 'validation-failed',
      errors: [{ path: 'lines.0.lineTotal' }, { path: 'orderTotal' }],
    });
    const big = {
      ...lineA,
      quantity: 1,
      unitPrice: { amount: '600000000000000', currencyCode: 'USD' },
    };
    const twoBig = decide(
      { ...base, data: { ...base.data, lines: [big, { ...big, lineId: uuidOf(0x77) }] } },
      initialState(),
    );
    expect(paths(twoBig._unsafeUnwrapErr())).toEqual(['orderTotal']);
  });
});

describe('the command handler refuses the same, whatever the caller', () => {
  it('ChangeLineQuantity {quantity: -5} through the handler is validation-failed and stores nothing', async () => {
    const h = harness();
    const created = await h.run({ type: 'CreateOrder', input: seedInput() });
    const lineId = created.view.lines[0]?.lineId ?? '';
    const answer = await h.handle(
      { type: 'ChangeLineQuantity', orderId: created.view.id, lineId, input: { quantity: -5 } },
      { actor: 'test' },
    );
    expect(answer._unsafeUnwrapErr()).toMatchObject({ code: 'validation-failed' });
    expect(h.store.allEvents()).toHaveLength(1);
  });

  it('CreateOrder with 0 lines through the handler is validation-failed', async () => {
    const h = harness();
    const answer = await h.handle(
      { type: 'CreateOrder', input: { ...seedInput(), lines: [] } },
      { actor: 'test' },
    );
    expect(answer._unsafeUnwrapErr().code).toBe('validation-failed');
    expect(h.store.allEvents()).toHaveLength(0);
  });
});
