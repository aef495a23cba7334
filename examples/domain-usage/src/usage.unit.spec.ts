import { readFileSync } from 'node:fs';
import { orderFixtures } from '@oms/domain/testing';
import { describe, expect, it } from 'vitest';
import { placeAndConfirm } from './usage.js';

describe('the README example of using @oms/domain', () => {
  it('creates and confirms the seed order', async () => {
    expect(await placeAndConfirm(orderFixtures.seedCreateOrderBody())).toBe('CONFIRMED 59.98');
  });

  it('answers validation-failed for a body without lines', async () => {
    expect(await placeAndConfirm({ ...orderFixtures.seedCreateOrderBody(), lines: [] })).toBe(
      'validation-failed',
    );
  });
});

describe('the README', () => {
  it('shows this example as it is compiled and run here', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const usage = readFileSync(new URL('./usage.ts', import.meta.url), 'utf8');
    expect(readme).toContain(usage);
  });
});
