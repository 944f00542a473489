import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArtifactError } from '../../../../src/shared/artifacts/errors';
import { decodeShareLink, EMBEDDED_PROJECTOR_PATTERN, encodeShareLink, fromBase64Url, MAX_SHARE_DIM, toBase64Url } from '../../../../src/shared/artifacts/shareLink';
import { EMBEDDED_PROJECTOR } from '../../../../src/shared/embedded';
import { bitsEqual } from './support';

const APP = 'https://lab.example/app/';
const PROJ = 'https://models.example/proj%20v1.safetensors?rev=2';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ArtifactError) return e.code;
    throw e;
  }
  return 'ok';
}

describe('base64url', () => {
  it('matches Node\'s encoder and inverts exactly', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect([...fromBase64Url(text)]).toEqual([...bytes]);
    }));
  });
  it('rejects padding, foreign characters and altered tails', () => {
    expect(() => fromBase64Url('AAA=')).toThrow(ArtifactError);
    expect(() => fromBase64Url('AA+A')).toThrow(ArtifactError);
    expect(() => fromBase64Url('AB')).toThrow(/trailing bits/);
    expect(() => fromBase64Url('A')).toThrow(ArtifactError);
  });
});

describe('share links', () => {
  it('round-trip vector bits, projector URL and task', () => {
    const vector = Float32Array.of(0.1, -0, 1.4e-45, -3.4e38, 42);
    const url = encodeShareLink(APP, { projectorUrl: PROJ, vector, task: 'glue-sst2 (k=16)' });
    expect(url.startsWith(`${APP}#il=1&`)).toBe(true);
    const got = decodeShareLink(url, { intrinsicDim: 5 });
    expect(bitsEqual(got.vector, vector)).toBe(true);
    expect(got.projectorUrl).toBe(PROJ);
    expect(got.task).toBe('glue-sst2 (k=16)');
  });

  it('round-trips arbitrary finite vectors', () => {
    fc.assert(fc.property(fc.float32Array({ minLength: 1, maxLength: 300, noNaN: true, noDefaultInfinity: true }), fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), (vector, task) => {
      const got = decodeShareLink(encodeShareLink(APP, { projectorUrl: PROJ, vector, task }));
      expect(bitsEqual(got.vector, vector)).toBe(true);
      expect(got.task).toBe(task === '' ? undefined : task);
    }), { numRuns: 50 });
  });

  it('stays short enough for a URL at the paper\'s d_I', () => {
    const url = encodeShareLink(APP, { projectorUrl: PROJ, vector: new Float32Array(250).fill(0.01) });
    expect(url.length).toBeLessThan(1500);
  });

  it('puts the data after a hash route when asked, and reads it back from there', () => {
    const vector = Float32Array.of(0.5, -0.25, 1);
    const plain = encodeShareLink(APP, { projectorUrl: PROJ, vector, task: 'mine' });
    const routed = encodeShareLink(APP, { projectorUrl: PROJ, vector, task: 'mine' }, { route: '/explore' });
    expect(routed).toBe(plain.replace('#il=', '#/explore?il='));
    const got = decodeShareLink(routed, { intrinsicDim: 3 });
    expect(bitsEqual(got.vector, vector)).toBe(true);
    expect([got.projectorUrl, got.task]).toEqual([PROJ, 'mine']);
    expect(() => decodeShareLink(`${APP}#/explore`)).toThrow(/no "il" parameter/);
  });

  it('reads the data from the query string too, and resolves a relative projector URL', () => {
    const z = toBase64Url(new Uint8Array(Float32Array.of(1, 2).buffer));
    const got = decodeShareLink(`https://lab.example/app/?il=1&p=projectors/a.safetensors&z=${z}`);
    expect(got.projectorUrl).toBe('https://lab.example/app/projectors/a.safetensors');
    expect([...got.vector]).toEqual([1, 2]);
  });

  it('rejects broken, hostile or mismatched links with bad-share-link / intrinsic-dim-mismatch', () => {
    const good = encodeShareLink(APP, { projectorUrl: PROJ, vector: Float32Array.of(1, 2, 3) });
    const z = new URL(good).hash.match(/z=([^&]*)/)![1]!;
    const link = (params: string) => `${APP}#${params}`;
    const p = encodeURIComponent(PROJ);
    expect(code(() => decodeShareLink(good, { intrinsicDim: 4 }))).toBe('intrinsic-dim-mismatch');
    expect(code(() => decodeShareLink('not a url'))).toBe('bad-share-link');
    expect(code(() => decodeShareLink(APP))).toBe('bad-share-link');
    expect(code(() => decodeShareLink(link(`il=2&p=${p}&z=${z}`)))).toBe('bad-share-link');
    expect(code(() => decodeShareLink(link(`il=1&z=${z}`)))).toBe('bad-share-link');
    expect(code(() => decodeShareLink(link(`il=1&p=${p}`)))).toBe('bad-share-link');
    expect(code(() => decodeShareLink(link(`il=1&p=javascript:alert(1)&z=${z}`)))).toBe('bad-share-link');
    expect(code(() => decodeShareLink(link(`il=1&p=${p}&z=${z.slice(0, -2)}`)))).toBe('bad-share-link');
    const nan = toBase64Url(new Uint8Array(Float32Array.of(1, NaN).buffer));
    expect(() => decodeShareLink(link(`il=1&p=${p}&z=${nan}`))).toThrow(/NaN at index 1/);
    const inf = toBase64Url(new Uint8Array(Float32Array.of(Infinity).buffer));
    expect(code(() => decodeShareLink(link(`il=1&p=${p}&z=${inf}`)))).toBe('bad-share-link');
    const long = toBase64Url(new Uint8Array(4 * (MAX_SHARE_DIM + 1)));
    expect(code(() => decodeShareLink(link(`il=1&p=${p}&z=${long}`)))).toBe('bad-share-link');
    expect(code(() => encodeShareLink(APP, { projectorUrl: 'file:///etc/passwd', vector: Float32Array.of(1) }))).toBe('bad-share-link');
    expect(code(() => encodeShareLink(APP, { projectorUrl: PROJ, vector: Float32Array.of(NaN) }))).toBe('bad-share-link');
  });

  it('names a shipped projector by its embedded id (e=) instead of a URL, and round-trips it', () => {
    const vector = Float32Array.of(0.5, -0.25, 1);
    const url = encodeShareLink(APP, { embedded: EMBEDDED_PROJECTOR.id, vector, task: 'mine' }, { route: '/explore' });
    expect(url).toContain(`#/explore?il=1&e=${encodeURIComponent(EMBEDDED_PROJECTOR.id)}&z=`);
    expect(url).not.toContain('p=');
    const got = decodeShareLink(url, { intrinsicDim: 3 });
    expect(got.embedded).toBe(EMBEDDED_PROJECTOR.id);
    expect(got.projectorUrl).toBeUndefined();
    expect(bitsEqual(got.vector, vector)).toBe(true);
    expect(EMBEDDED_PROJECTOR_PATTERN.test(EMBEDDED_PROJECTOR.id)).toBe(true);
    expect(EMBEDDED_PROJECTOR_PATTERN.test('embedded:intrinsic-bart-tiny/d10-r3')).toBe(true);
  });

  it('refuses a link with both or neither projector, a malformed embedded id, or repeated parameters', () => {
    const z = toBase64Url(new Uint8Array(Float32Array.of(1, 2).buffer));
    const link = (params: string) => `${APP}#/explore?${params}`;
    const e = encodeURIComponent(EMBEDDED_PROJECTOR.id);
    const p = encodeURIComponent(PROJ);
    expect(decodeShareLink(link(`il=1&e=${e}&z=${z}`)).embedded).toBe(EMBEDDED_PROJECTOR.id);
    expect(() => decodeShareLink(link(`il=1&e=${e}&p=${p}&z=${z}`))).toThrow(/names two projectors/);
    expect(() => decodeShareLink(link(`il=1&z=${z}`))).toThrow(/names no projector/);
    expect(() => decodeShareLink(link(`il=1&e=${e}&e=${e}&z=${z}`))).toThrow(/repeats a parameter/);
    expect(() => decodeShareLink(link(`il=1&e=${e}&z=${z}&z=${z}`))).toThrow(/repeats a parameter/);
    for (const bad of ['intrinsic-bart-tiny/d10', 'embedded:../x/d10', 'embedded:Tiny/d10', 'embedded:tiny/d0', 'embedded:tiny', 'embedded:tiny/d10/x', `embedded:${'a'.repeat(70)}/d10`, 'https://x.example/p.safetensors']) {
      expect(code(() => decodeShareLink(link(`il=1&e=${encodeURIComponent(bad)}&z=${z}`))), bad).toBe('bad-share-link');
    }
    expect(() => encodeShareLink(APP, { embedded: 'embedded:../../etc/d1', vector: Float32Array.of(1) })).toThrow(/not of the form/);
    expect(() => encodeShareLink(APP, { embedded: EMBEDDED_PROJECTOR.id, projectorUrl: PROJ, vector: Float32Array.of(1) } as never)).toThrow(/exactly one/);
  });

  it('never throws anything but ArtifactError on arbitrary input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 80 }), (z, p) => {
      const r = code(() => decodeShareLink(`${APP}#il=1&p=${encodeURIComponent(p)}&z=${encodeURIComponent(z)}`));
      expect(typeof r).toBe('string');
      code(() => decodeShareLink(`${APP}#il=1&e=${encodeURIComponent(p)}&z=${encodeURIComponent(z)}`));
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
      code(() => decodeShareLink(s));
    }), { numRuns: 200 });
  });
});
