import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the soak script, without types
import { checkPublished } from './verify.mjs';

const message = (eventId: string, partition: number, offset: number) => ({
  topic: 'oms.orders',
  key: 'order-1',
  partition,
  offset,
  value: JSON.stringify({ eventId, eventType: 'order.created' }),
  headers: { ce_id: eventId, ce_type: 'order.created' },
});
const expected = ['e1', 'e2'].map((eventId, index) => ({
  topic: 'oms.orders',
  key: 'order-1',
  value: { eventId, eventType: 'order.created' },
  streamVersion: index + 1,
}));

describe('checkPublished', () => {
  it('passes one order published in order on one partition', () => {
    const result = checkPublished(
      expected,
      [message('e1', 2, 0), message('e2', 2, 1)],
      new Set(['order-1']),
    );
    expect(result.violations).toEqual([]);
  });

  it("fails when an order's messages land on two partitions (a relay shard must not move an order)", () => {
    const result = checkPublished(
      expected,
      [message('e1', 2, 0), message('e2', 0, 7)],
      new Set(['order-1']),
    );
    expect(result.violations).toEqual(['oms.orders/order-1: published on partitions 2, 0']);
  });
});
