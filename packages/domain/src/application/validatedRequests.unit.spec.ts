import { describe, expect, it } from 'vitest';
import { tickingClock } from '../../test/harness.js';
import { orderFixtures } from '../testing/fixtures.js';
import { createInMemoryOrderStore } from '../testing/inMemoryOrderStore.js';
import { createExecuteOrderRequest } from './executeOrderRequest.js';
import type { OrderRequest } from './orderRequests.js';
import { uuidV7Generator } from './ports/clock.port.js';
import { toOrderRequest } from './toOrderRequest.js';
import { isValidated } from './validatedRequests.js';

const execute = () =>
  createExecuteOrderRequest({
    ...createInMemoryOrderStore(),
    clock: tickingClock(),
    ids: uuidV7Generator,
  });

describe('validated once: the write path trusts only what toOrderRequest built', () => {
  it('marks and freezes the request it built; a copy is not marked', () => {
    const request = toOrderRequest('CreateOrder', {}, orderFixtures.seedCreateOrderBody());
    const built = request._unsafeUnwrap();
    expect(isValidated(built)).toBe(true);
    expect(isValidated({ ...built } as OrderRequest)).toBe(false);
    // What was validated is what is decided: the input cannot be changed afterwards.
    const lines = (built as { input: { lines: { quantity: number }[] } }).input.lines;
    expect(() => {
      (lines[0] as { quantity: number }).quantity = 0;
    }).toThrow(TypeError);
    expect(() => lines.push({ quantity: 1 })).toThrow(TypeError);
  });

  it('a request built by hand is still parsed by decide: bad input is refused, never stored', async () => {
    const good = toOrderRequest('CreateOrder', {}, orderFixtures.seedCreateOrderBody());
    const input = (good._unsafeUnwrap() as { input: Record<string, unknown> }).input;
    const bad = {
      type: 'CreateOrder',
      input: { ...input, lines: [], customer: { ...(input.customer as object), email: 'nope' } },
    } as unknown as OrderRequest;
    const refused = (await execute()({ request: bad, actor: 'test' }))._unsafeUnwrap();
    expect(refused).toMatchObject({ kind: 'refused', error: { code: 'validation-failed' } });
    const paths = (
      refused as unknown as { error: { errors: { path: string }[] } }
    ).error.errors.map((error) => error.path);
    expect(paths).toEqual(expect.arrayContaining(['data.lines', 'data.customer.email']));
  });

  it('a validated request and its unmarked copy come to the same order', async () => {
    const run = execute();
    const request = toOrderRequest(
      'CreateOrder',
      {},
      { ...orderFixtures.seedCreateOrderBody(), channel: 'ECOMMERCE' },
    )._unsafeUnwrap();
    const strip = (view: Record<string, unknown>) => {
      const { id, lines, createdAt, updatedAt, placedAt, ...rest } = view;
      return { ...rest, lines: (lines as { lineId: string }[]).map(({ lineId, ...l }) => l) };
    };
    const first = (await run({ request, actor: 'test' }))._unsafeUnwrap();
    const second = (
      await run({ request: structuredClone(request) as OrderRequest, actor: 'test' })
    )._unsafeUnwrap();
    if (first.kind !== 'accepted' || second.kind !== 'accepted') throw new Error('refused');
    expect(strip(second.view as never)).toEqual(strip(first.view as never));
  });
});
