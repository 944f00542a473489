import { describe, expect, it } from 'vitest';
import { appHeaders, parseHeadersFile } from '../../../src/node/headers';

describe('parseHeadersFile', () => {
  it('reads the "/*" block, skipping comments and other paths', () => {
    const text = '# a comment\n/assets/*\n  Cache-Control: immutable\n/*\n  X-A: 1\n  # inside\n  X-B:  two words \n';
    expect(parseHeadersFile(text)).toEqual({ 'X-A': '1', 'X-B': 'two words' });
  });

  it('names the line it cannot read', () => {
    expect(() => parseHeadersFile('/*\n  no colon here\n', 'public/_headers')).toThrow(/^public\/_headers:2: expected "  Name: value"/);
  });

  it('public/_headers has the cross-origin isolation and the CSP', () => {
    const h = appHeaders();
    expect(h['Cross-Origin-Embedder-Policy']).toBe('require-corp');
    expect(h['Content-Security-Policy']).toMatch(/^default-src 'self'; /);
  });
});
