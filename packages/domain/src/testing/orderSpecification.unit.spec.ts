import { describe, expect, it } from 'vitest';
import { deepEqual, matchesShape, SpecificationFailure } from './expectations.js';
import { orderFixtures } from './fixtures.js';
import { given } from './orderSpecification.js';

const failureOf = (run: () => unknown): SpecificationFailure => {
  try {
    run();
  } catch (error) {
    if (error instanceof SpecificationFailure) return error;
    throw error;
  }
  throw new Error('expected a SpecificationFailure, nothing was thrown');
};

describe('given/when/then without a test framework', () => {
  const create = orderFixtures.createOrder();

  it('passes when the decision matches and answers the events and the state after them', () => {
    const events = given([])
      .when(create)
      .thenMatches([{ type: 'order.created' }]);
    const { state } = given([]).when(create).then(events);
    expect(state.status).toBe('DRAFT');
  });

  it('throws a SpecificationFailure with actual and expected when the events differ', () => {
    const failure = failureOf(() => given([]).when(create).then([]));
    expect(failure.message).toContain('CreateOrder produced other events');
    expect(failure.expected).toEqual([]);
    expect(failure.actual).toHaveLength(1);
  });

  it('throws when the shape does not match or the count differs', () => {
    failureOf(() =>
      given([])
        .when(create)
        .thenMatches([{ type: 'order.confirmed' }]),
    );
    failureOf(() =>
      given([])
        .when(create)
        .thenMatches([{ type: 'order.created' }, { type: 'order.created' }]),
    );
  });

  it('checks the error code of a refusal, and fails when the command was accepted', () => {
    const [created] = given([])
      .when(create)
      .thenMatches([{ type: 'order.created' }]);
    if (!created) throw new Error('no event');
    const again = given([created]).when(create);
    const refused = failureOf(() => again.thenFails('order-not-found'));
    expect(refused.expected).toBe('order-not-found');
    expect(
      failureOf(() => given([]).when(create).thenFails('invalid-state-transition')).message,
    ).toContain('produced events');
    expect(failureOf(() => again.then([])).message).toContain('was refused');
  });
});

describe('deepEqual and matchesShape (toEqual / toMatchObject semantics)', () => {
  it('treats undefined properties as absent and compares dates and arrays by value', () => {
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual({ a: [1, { c: new Date(5) }] }, { a: [1, { c: new Date(5) }] })).toBe(true);
    expect(deepEqual({ a: [1, 2] }, { a: [1] })).toBe(false);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual('1', 1)).toBe(false);
    expect(deepEqual(null, {})).toBe(false);
  });

  it('matches a partial shape recursively, arrays element by element', () => {
    expect(matchesShape({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } })).toBe(true);
    expect(matchesShape([{ a: 1, b: 2 }], [{ a: 1 }])).toBe(true);
    expect(matchesShape([{ a: 1 }, { a: 2 }], [{ a: 1 }])).toBe(false);
    expect(matchesShape({ b: { c: 3 } }, { b: { c: 2 } })).toBe(false);
    expect(matchesShape({}, { a: undefined })).toBe(false);
  });
});
