import { describe, expect, it } from 'vitest';
import { uuidV7Generator } from '../application/ports/clock.port.js';
import { isUuid, MAX_CLOCK_STEP_BACK_MS, UUID_PATTERN, uuidv7, uuidv7Time } from './ids.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('UUID v7 (RFC 9562)', () => {
  it('has the v7 layout: version nibble 7, variant 10xx, lower-case hex', () => {
    for (let i = 0; i < 1000; i += 1) {
      const id = uuidv7();
      expect(id).toMatch(V7);
      expect(isUuid(id)).toBe(true);
    }
    expect(uuidV7Generator.next()).toMatch(V7);
  });

  it('encodes the millisecond time in its first 48 bits', () => {
    const at = Date.parse('2031-05-17T08:09:10.123Z');
    const id = uuidv7(at);
    expect(id.slice(0, 13).replace('-', '')).toBe(at.toString(16).padStart(12, '0'));
    expect(uuidv7Time(id)?.toISOString()).toBe('2031-05-17T08:09:10.123Z');
  });

  it('extracts no time from other versions or from non-UUIDs', () => {
    expect(uuidv7Time('550e8400-e29b-41d4-a716-446655440000')).toBeUndefined();
    expect(uuidv7Time('not-a-uuid')).toBeUndefined();
    expect(uuidv7Time('')).toBeUndefined();
  });

  it('is strictly increasing within one millisecond, and across a clock that goes back', () => {
    const at = Date.parse('2032-01-01T00:00:00.000Z');
    const ids = Array.from({ length: 10_000 }, () => uuidv7(at));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const back = uuidv7(at - 5000);
    expect(back > (ids.at(-1) ?? '')).toBe(true);
    // 10,000 ids overflow the 12-bit counter, which carries into the next millisecond: never backwards
    expect((uuidv7Time(back)?.getTime() ?? 0) >= at).toBe(true);
  });

  it('does not let one far-future timestamp pin every later id to it', () => {
    const today = Date.parse('2026-06-01T12:00:00.000Z');
    uuidv7(Date.parse('2099-01-01T00:00:00.000Z'));
    const after = Array.from({ length: 100 }, () => uuidv7(today));
    expect(uuidv7Time(after[0] ?? '')?.toISOString()).toBe('2026-06-01T12:00:00.000Z');
    expect(new Set(after).size).toBe(after.length);
    expect([...after].sort()).toEqual(after);
    expect(uuidv7(today + 1) > (after.at(-1) ?? '')).toBe(true);
  });

  it('keeps ids in order across a small clock step back, and trusts a timestamp beyond the bound', () => {
    const at = Date.parse('2034-01-01T00:00:00.000Z');
    const first = uuidv7(at);
    const stepBack = uuidv7(at - MAX_CLOCK_STEP_BACK_MS);
    expect(stepBack > first).toBe(true);
    expect(uuidv7Time(stepBack)?.getTime()).toBe(at);
    const older = uuidv7(at - MAX_CLOCK_STEP_BACK_MS - 1);
    expect(uuidv7Time(older)?.getTime()).toBe(at - MAX_CLOCK_STEP_BACK_MS - 1);
  });

  it('sorts by creation time', () => {
    const ids = [0, 1, 2, 1000, 86_400_000].map((offset) =>
      uuidv7(Date.parse('2033-01-01T00:00:00Z') + offset),
    );
    expect([...ids].sort()).toEqual(ids);
  });

  it('accepts UUIDs of versions 1–8 and the RFC variant only', () => {
    expect(UUID_PATTERN.test('550e8400-e29b-41d4-a716-446655440000')).toBe(true);
    expect(UUID_PATTERN.test('550E8400-E29B-41D4-A716-446655440000')).toBe(true);
    expect(UUID_PATTERN.test('550e8400-e29b-01d4-a716-446655440000')).toBe(false);
    expect(UUID_PATTERN.test('550e8400-e29b-41d4-c716-446655440000')).toBe(false);
    expect(UUID_PATTERN.test('550e8400e29b41d4a716446655440000')).toBe(false);
  });
});
