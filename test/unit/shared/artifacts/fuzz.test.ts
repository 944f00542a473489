// Property-based fuzzing of the bundle parser: whatever the bytes, decodeProjectorBundle returns a
// fully valid bundle or throws ArtifactError. Any other exception (RangeError, TypeError ...) fails.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArtifactError } from '../../../../src/shared/artifacts/errors';
import type { ModelIdentity } from '../../../../src/shared/artifacts/identity';
import { decodeProjectorBundle, encodeProjectorBundle, projectorShapes, type ProjectorBundle } from '../../../../src/shared/artifacts/projector';

const identity: ModelIdentity = { modelId: 'fuzz/tiny', configSha256: '0'.repeat(64), dModel: 4 };
const dims = { promptLength: 2, dModel: 4, intrinsicDim: 3, hiddenSize: 5 };
const shapes = projectorShapes(dims);
const tensor = (shape: number[], seed: number) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed + i)) });
const VALID = encodeProjectorBundle({
  identity,
  promptLength: 2,
  weights: { W1: tensor(shapes.W1, 1), b1: tensor(shapes.b1, 2), W2: tensor(shapes.W2, 3), b2: tensor(shapes.b2, 4), W3: tensor(shapes.W3, 5), b3: tensor(shapes.b3, 6) },
  tasks: [{ name: 'a', category: 'cls', vector: Float32Array.of(1, 2, 3) }, { name: 'b', category: 'qa', vector: Float32Array.of(4, 5, 6) }],
  seed: 1,
});
const HEADER_LEN = Number(new DataView(VALID.buffer).getBigUint64(0, true));

/** Decodes; returns the bundle or the ArtifactError code; rethrows anything else. */
function outcome(bytes: Uint8Array): ProjectorBundle | string {
  try {
    return decodeProjectorBundle(bytes, { source: 'fuzz' });
  } catch (e) {
    if (e instanceof ArtifactError) return e.code;
    throw e;
  }
}

/** A bundle that decodes must be internally consistent. */
function checkValid(b: ProjectorBundle): void {
  const s = projectorShapes(b.dims);
  for (const [p, t] of Object.entries(b.weights)) {
    expect(t.shape).toEqual(s[p as keyof typeof s]);
    expect(t.data.every(Number.isFinite)).toBe(true);
  }
  for (const t of b.tasks) expect(t.vector.length).toBe(b.dims.intrinsicDim);
}

function withHeader(header: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const headerText = new TextDecoder().decode(VALID.subarray(8, 8 + HEADER_LEN));
const dataSection = VALID.subarray(8 + HEADER_LEN);

describe('bundle parser fuzzing', () => {
  it('the unmutated bundle decodes', () => {
    const b = outcome(VALID);
    expect(typeof b).toBe('object');
    checkValid(b as ProjectorBundle);
  });

  it('arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
      const r = outcome(bytes);
      if (typeof r !== 'string') checkValid(r);
    }), { numRuns: 500 });
  });

  it('arbitrary bytes behind a plausible header length', () => {
    fc.assert(fc.property(fc.nat({ max: 5000 }), fc.uint8Array({ maxLength: 4096 }), (len, rest) => {
      const bytes = new Uint8Array(8 + rest.length);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(len), true);
      bytes.set(rest, 8);
      const r = outcome(bytes);
      if (typeof r !== 'string') checkValid(r);
    }), { numRuns: 300 });
  });

  it('byte flips, truncations and splices of a valid bundle', () => {
    const mutation = fc.oneof(
      fc.array(fc.tuple(fc.nat({ max: VALID.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
        .map((flips) => (b: Uint8Array) => { const c = b.slice(); for (const [i, v] of flips) c[i] = v; return c; }),
      fc.nat({ max: VALID.length }).map((n) => (b: Uint8Array) => b.slice(0, n)),
      fc.tuple(fc.nat({ max: VALID.length }), fc.nat({ max: 64 }), fc.uint8Array({ maxLength: 64 }))
        .map(([at, del, ins]) => (b: Uint8Array) => new Uint8Array([...b.subarray(0, at), ...ins, ...b.subarray(at + del)])),
    );
    fc.assert(fc.property(mutation, (mutate) => {
      const r = outcome(mutate(VALID));
      if (typeof r !== 'string') checkValid(r);
    }), { numRuns: 1000 });
  });

  it('structured mutations of the header JSON (entries and metadata)', () => {
    const header = JSON.parse(headerText) as Record<string, Record<string, unknown>>;
    const entryKeys = Object.keys(header).filter((k) => k !== '__metadata__');
    const metaKeys = Object.keys(header.__metadata__!);
    const edit = fc.oneof(
      fc.tuple(fc.constantFrom(...entryKeys), fc.constantFrom('dtype', 'shape', 'data_offsets', 'extra'), fc.jsonValue({ maxDepth: 2 }))
        .map(([name, field, value]) => (h: typeof header) => { h[name] = { ...h[name], [field]: value }; }),
      fc.tuple(fc.constantFrom(...metaKeys), fc.oneof(fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), fc.integer({ min: -3, max: 1000 }).map(String)))
        .map(([key, value]) => (h: typeof header) => { const m = h.__metadata__; if (m && typeof m === 'object') m[key] = value; }),
      fc.constantFrom(...entryKeys, ...metaKeys, '__metadata__').map((key) => (h: typeof header) => { delete h[key]; delete h.__metadata__?.[key]; }),
      fc.tuple(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => (h: Record<string, unknown>) => { h[key] = value; }),
    );
    fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
      const h = structuredClone(header);
      for (const e of edits) e(h);
      const r = outcome(withHeader(JSON.stringify(h), dataSection));
      if (typeof r !== 'string') checkValid(r);
    }), { numRuns: 1000 });
  });
}, 60_000);
