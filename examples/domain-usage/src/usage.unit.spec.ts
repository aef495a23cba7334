import { orderFixtures } from '@oms/domain/testing';
import { describe, expect, it } from 'vitest';
import { placeAndConfirm } from './usage.js';

describe('the README example of using @oms/domain', () => {
  it('creates and confirms the seed order', async () => {
    expect(await placeAndConfirm(orderFixtures.seedCreateOrderBody())).toBe('CONFIRMED 59.98 USD');
  });

  it('answers validation-failed for a body without lines', async () => {
    expect(await placeAndConfirm({ ...orderFixtures.seedCreateOrderBody(), lines: [] })).toBe('validation-failed');
  });
});
