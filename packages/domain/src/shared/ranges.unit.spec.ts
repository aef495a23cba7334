import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../application/ports/orderQueries.port.js';
import { inboundToRequest } from '../integration/inbound.js';
import { TimestampSchema } from './schemas.js';

// Values every store can hold: PostgreSQL's timestamptz and jsonb refuse the rest, which must never become a 500.
describe('input a store cannot hold is refused at the edge', () => {
  it.each(['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+00:01', '9999-12-31T23:59:59-23:59'])(
    'refuses the timestamp %s, outside years 0001-9999 in UTC',
    (value) => {
      expect(TimestampSchema.safeParse(value).success).toBe(false);
    },
  );

  it('accepts the edges of the range', () => {
    expect(TimestampSchema.parse('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z');
    expect(TimestampSchema.parse('9999-12-31T23:59:59.999Z')).toBe('9999-12-31T23:59:59.999Z');
  });

  it('decodes only cursors in the form this server writes', () => {
    const id = '01a21395-34f1-7620-99ec-eb95c65726c7';
    const good = encodeCursor({ createdAt: '2026-11-25T16:41:15.256Z', id });
    expect(decodeCursor(good)).toEqual({ createdAt: '2026-11-25T16:41:15.256Z', id });
    for (const createdAt of [
      '20000',
      '275760-09-13',
      '0000-01-01T00:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
    ])
      expect(
        decodeCursor(Buffer.from(JSON.stringify([createdAt, id])).toString('base64url')),
      ).toBeUndefined();
  });

  it('dead-letters an inbound message with NUL or a lone surrogate as validation-failed', () => {
    const orderId = '01a21395-34f1-7620-99ec-eb95c65726c7';
    for (const reason of ['broken\u0000', 'broken\ud800']) {
      const result = inboundToRequest('oms.fulfillment.unfulfillable', {
        orderId,
        reason,
        unfulfillableAt: '2026-01-01T00:00:00Z',
      });
      expect(result._unsafeUnwrapErr()).toMatchObject({
        code: 'validation-failed',
        errors: [{ path: 'reason' }],
      });
    }
  });
});
