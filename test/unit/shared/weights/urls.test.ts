import { describe, expect, it } from 'vitest';
import { checkFetchUrl, FetchUrlError } from '../../../../src/shared/weights/urls';

describe('checkFetchUrl', () => {
  it('allows https anywhere and plain http only on loopback', () => {
    for (const url of ['https://huggingface.co', 'https://10.0.0.1/x', 'http://localhost:5173/p', 'http://127.0.0.1:4173/b.safetensors', 'http://[::1]:8080/']) {
      expect(checkFetchUrl(url, 'URL').href).toBe(new URL(url).href);
    }
  });

  it('refuses other schemes and hosts, starting with what it checks and naming the rule', () => {
    const cases: [string, RegExp][] = [
      ['http://example.com/p', /got http:\/\/example\.com$/],
      ['http://192.168.1.1:8000/p', /got http:\/\/192\.168\.1\.1:8000$/],
      ['http://127.0.0.2/p', /got http:\/\/127\.0\.0\.2$/],
      ['http://localhost.evil.com/p', /got http:\/\/localhost\.evil\.com$/],
      ['data:application/octet-stream;base64,AAAA', /got data:$/],
      ['file:///etc/passwd', /got file:$/],
      ['javascript:alert(1)', /got javascript:$/],
      ['blob:https://a.test/1', /got blob:$/],
    ];
    for (const [url, tail] of cases) {
      let error: unknown;
      try {
        checkFetchUrl(url, 'Hub address');
      } catch (e) {
        error = e;
      }
      expect(error, url).toBeInstanceOf(FetchUrlError);
      expect((error as Error).message, url).toMatch(/^Hub address: only https URLs are fetched \(plain http only from localhost, 127\.0\.0\.1 or \[::1\], for development\); /);
      expect((error as Error).message, url).toMatch(tail);
    }
  });

  it('resolves a relative URL against the base, and refuses text that is no URL', () => {
    expect(checkFetchUrl('b/p.safetensors', 'projector URL', 'https://app.test/lab/').href).toBe('https://app.test/lab/b/p.safetensors');
    expect(() => checkFetchUrl('b/p', 'projector URL')).toThrow(/^projector URL "b\/p" is not a valid URL$/);
  });
});
