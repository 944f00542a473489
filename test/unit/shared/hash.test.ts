// FNV-1a against the published test vectors, and the stability rules of study unit keys.
import { describe, expect, it } from 'vitest';
import { canonicalJson, fnv1a32, hashKey } from '../../../src/shared/hash';

describe('fnv1a32', () => {
  it('matches the reference FNV-1a 32-bit vectors', () => {
    // From the FNV reference test suite (Landon Curt Noll's fnv test vectors).
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });
});

describe('hashKey', () => {
  it('is 16 hex digits, the same for equal values whatever their key order', () => {
    expect(hashKey({ a: 1, b: [1, { d: 2, c: 3 }] })).toMatch(/^[0-9a-f]{16}$/);
    expect(hashKey({ b: [1, { c: 3, d: 2 }], a: 1 })).toBe(hashKey({ a: 1, b: [1, { d: 2, c: 3 }] }));
    expect(canonicalJson({ b: 1, a: undefined })).toBe('{"a":null,"b":1}');
  });

  it('changes with any value, the length included', () => {
    const seen = new Set([{ lr: 1e-4 }, { lr: 1e-5 }, { lr: '1e-4' }, { lr: [1e-4] }, {}, [], ''].map(hashKey));
    expect(seen.size).toBe(7);
  });
});
