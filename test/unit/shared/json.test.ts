import { describe, expect, it } from 'vitest';
import { toJsonText } from '../../../src/shared/json';

describe('toJsonText', () => {
  it('writes NaN and infinities as null, nested too, and keeps every finite number', () => {
    expect(toJsonText({ a: NaN, b: [Infinity, -Infinity, 0.5], c: { d: -0, e: 3 } })).toBe('{"a":null,"b":[null,null,0.5],"c":{"d":0,"e":3}}');
    expect(toJsonText([1], 2)).toBe('[\n  1\n]');
  });
});
