import { describe, expect, it } from 'vitest';
import {
  holdNotFound,
  invalidTransition,
  onHold,
  orderNotFound,
  validationFailed,
} from '../order/order.errors.js';
import { serviceUnavailable } from './errors.js';
import { classifyFailure } from './failures.js';

describe('classifyFailure', () => {
  it('says which failures are final, may apply later, or are passing', () => {
    expect(classifyFailure(validationFailed([{ path: 'x', message: 'bad' }]))).toBe('final');
    expect(classifyFailure(invalidTransition('CANCELLED', 'ship'))).toBe('final');
    expect(classifyFailure(invalidTransition('CONFIRMED', 'deliver'))).toBe('not-yet');
    expect(classifyFailure(orderNotFound('o-1'))).toBe('not-yet');
    expect(classifyFailure(serviceUnavailable())).toBe('transient');
    expect(classifyFailure({ code: 'internal', message: 'boom' })).toBe('transient');
    expect(
      classifyFailure({ code: 'concurrency-conflict', message: 'stale', expectedVersion: 1 }),
    ).toBe('transient');
    expect(classifyFailure({ code: 'idempotency-key-in-flight', message: 'busy', key: 'k' })).toBe(
      'transient',
    );
    expect(classifyFailure({ code: 'idempotency-key-reused', message: 'no', key: 'k' })).toBe(
      'final',
    );
  });

  it('defers exactly the transitions that may become possible later (h5 table)', () => {
    expect(classifyFailure(invalidTransition('DRAFT', 'ship'))).toBe('not-yet');
    expect(classifyFailure(invalidTransition('DRAFT', 'mark unfulfillable'))).toBe('not-yet');
    expect(classifyFailure(invalidTransition('PARTIALLY_SHIPPED', 'deliver'))).toBe('not-yet');
    expect(classifyFailure(invalidTransition('CONFIRMED', 'confirm'))).toBe('final');
    expect(classifyFailure(invalidTransition('SHIPPED', 'ship'))).toBe('final');
    expect(classifyFailure(invalidTransition('DELIVERED', 'deliver'))).toBe('final');
  });

  it('defers a command refused for a hold (it applies once released); an unknown hold is final', () => {
    const hold = {
      holdId: 'h',
      reason: 'HIGH_RISK_OF_FRAUD' as const,
      placedAt: '2026-01-16T09:00:00.000Z',
      placedBy: 'risk',
    };
    expect(classifyFailure(onHold([hold], 'ship'))).toBe('not-yet');
    expect(classifyFailure(holdNotFound('h'))).toBe('final');
  });

  it('never defers a create of an order that exists', () => {
    expect(classifyFailure(invalidTransition('DRAFT', 'create'))).toBe('final');
  });
});
