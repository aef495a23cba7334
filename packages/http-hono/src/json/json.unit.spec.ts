import { describe, expect, it } from 'vitest';
import { jsonShapeProblem } from './jsonShape.js';
import { quoteLongIntegers } from './longIntegers.js';

describe('jsonShapeProblem', () => {
  it('accepts ordinary bodies, strings full of brackets included', () => {
    expect(jsonShapeProblem('{"a":[{"b":"[[[[{{{{\\"]]]"}]}')).toBeUndefined();
    expect(jsonShapeProblem('[[[1]]]', { maxDepth: 3, maxContainers: 10 })).toBeUndefined();
  });

  it('refuses depth and container counts over the limits', () => {
    expect(jsonShapeProblem('[[[[1]]]]', { maxDepth: 3, maxContainers: 10 })).toMatch(/deeper/);
    expect(jsonShapeProblem('[[],[],[]]', { maxDepth: 3, maxContainers: 3 })).toMatch(/more than/);
    expect(jsonShapeProblem('['.repeat(500_000))).toMatch(/deeper than 32/);
  });
});

describe('quoteLongIntegers', () => {
  it('keeps ids above 2^53 exact and leaves everything else as it was', () => {
    const raw =
      '{"id":820982911946154508,"n":[12,-9007199254740993],"p":"1.5","f":1234567890123456.5,"e":12345e2,"s":"x820982911946154508"}';
    expect(JSON.parse(quoteLongIntegers(raw))).toEqual({
      id: '820982911946154508',
      n: [12, '-9007199254740993'],
      p: '1.5',
      f: 1234567890123456.5,
      e: 12345e2,
      s: 'x820982911946154508',
    });
    expect(quoteLongIntegers('{"a":1}')).toBe('{"a":1}');
    expect(JSON.parse(quoteLongIntegers('12345678901234567890'))).toBe('12345678901234567890');
  });
});
