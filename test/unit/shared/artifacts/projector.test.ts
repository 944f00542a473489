import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactError } from '../../../../src/shared/artifacts/errors';
import type { ModelIdentity } from '../../../../src/shared/artifacts/identity';
import {
  BUNDLE_NAMES, decodeIntrinsicVector, decodeProjectorBundle, encodeProjectorBundle, loadProjectorBundle,
  projectPrompt, projectorFromNamed, projectorToNamed, readReferenceProjector, REFERENCE_NAMES, type ProjectorWeights,
} from '../../../../src/shared/artifacts/projector';
import { encodeSoftPrompt } from '../../../../src/shared/artifacts/prompt';
import { parseHeader, parseSafetensors, writeSafetensors, type WritableTensor } from '../../../../src/shared/weights/safetensors';
import { bitsEqual, cases, casesJson, fixtureIdentity, referenceProjector, someTasks } from './support';

let identity: ModelIdentity;
const P = casesJson.prompt_tokens;
const dI = casesJson.intrinsic_dim;

beforeAll(async () => {
  identity = await fixtureIdentity();
});

function bundleBytes(weights: ProjectorWeights = referenceProjector(), extra: { seed?: number } = {}): Uint8Array {
  return encodeProjectorBundle({ identity, promptLength: P, weights, tasks: someTasks(dI), seed: extra.seed ?? 13, trainConfig: { lr: 1e-4, alpha: 200 } });
}

/** Re-serialises a valid file after `edit` changes its metadata or tensors (to make bad files). */
function rewrite(bytes: Uint8Array, edit: (meta: Record<string, string>, tensors: Record<string, WritableTensor>) => void): Uint8Array {
  const f = parseSafetensors(bytes);
  const meta = { ...f.metadata };
  const tensors: Record<string, WritableTensor> = {};
  for (const [k, t] of f.tensors) tensors[k] = { shape: [...t.shape], data: t.data.slice() };
  edit(meta, tensors);
  return writeSafetensors(tensors, meta);
}

/** Rewrites the JSON header text, keeping the data section. */
function editHeader(bytes: Uint8Array, edit: (header: string) => string): Uint8Array {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = new TextEncoder().encode(edit(new TextDecoder().decode(bytes.subarray(8, 8 + len))));
  const out = new Uint8Array(8 + header.length + bytes.length - 8 - len);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(bytes.subarray(8 + len), 8 + header.length);
  return out;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ArtifactError) return e.code;
    throw e;
  }
  throw new Error('expected an ArtifactError, nothing was thrown');
}

describe('pure decode against the reference code (parity fixture)', () => {
  it('W3 tanh(W2 z + b2) + b3 matches ist_prompt', () => {
    const z = cases.tensors.get('intrinsic_vector')!.data as Float32Array;
    const want = cases.tensors.get('ist_prompt')!.data as Float32Array;
    const got = decodeIntrinsicVector(referenceProjector(), z);
    expect(got.length).toBe(want.length);
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('Proj then Proj_b matches ae_reconstruction', () => {
    const w = referenceProjector();
    const prompt = cases.tensors.get('prompt')!.data as Float32Array;
    const want = cases.tensors.get('ae_reconstruction')!.data as Float32Array;
    const got = decodeIntrinsicVector(w, projectPrompt(w, prompt));
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
  });
});

describe('projector bundle round trip', () => {
  it('export then import gives bitwise identical tensors and the same metadata', () => {
    const w = referenceProjector();
    // Edge values a lossy writer would change: negative zero and a float32 subnormal.
    const W3 = { shape: w.W3.shape, data: w.W3.data.slice() };
    W3.data[0] = -0;
    W3.data[1] = 1.4e-45;
    const weights = { ...w, W3 };
    const tasks = someTasks(dI);
    const b = decodeProjectorBundle(encodeProjectorBundle({ identity, promptLength: P, weights, tasks, seed: 42, trainConfig: { lr: 1e-4 } }), { expect: identity });
    for (const p of ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'] as const) {
      expect(b.weights[p]!.shape).toEqual(weights[p]!.shape);
      expect(bitsEqual(b.weights[p]!.data, weights[p]!.data), p).toBe(true);
    }
    expect(Object.is(b.weights.W3.data[0], -0)).toBe(true);
    expect(b.dims).toEqual({ promptLength: P, dModel: 32, intrinsicDim: dI, hiddenSize: casesJson.ae_hidden });
    expect(b.tasks.map((t) => [t.name, t.category])).toEqual(tasks.map((t) => [t.name, t.category]));
    b.tasks.forEach((t, i) => expect(bitsEqual(t.vector, tasks[i]!.vector)).toBe(true));
    expect(b).toMatchObject({ modelId: identity.modelId, configSha256: identity.configSha256, seed: 42, appVersion: '0.1.0', trainConfig: { lr: 1e-4 } });
  });

  it('a prompt decoded through the imported projector is bitwise the original decode', () => {
    const w = referenceProjector();
    const imported = decodeProjectorBundle(bundleBytes(w)).weights;
    const z = cases.tensors.get('intrinsic_vector')!.data as Float32Array;
    expect(bitsEqual(decodeIntrinsicVector(imported, z), decodeIntrinsicVector(w, z))).toBe(true);
    const taskZ = someTasks(dI)[1]!.vector;
    expect(bitsEqual(decodeIntrinsicVector(imported, taskZ), decodeIntrinsicVector(w, taskZ))).toBe(true);
  });

  it('writes the bundle names, format "pt" and the documented metadata keys', () => {
    const bytes = bundleBytes();
    const h = parseHeader(bytes, bytes.byteLength);
    expect(h.entries.map((e) => e.name).sort()).toEqual([...Object.values(BUNDLE_NAMES), 'intrinsic_vectors'].sort());
    expect(h.entries.every((e) => e.dtype === 'F32')).toBe(true);
    expect(h.metadata).toMatchObject({
      format: 'pt', artifact: 'intrinsic-lab.projector', artifact_version: '1', model_id: identity.modelId,
      config_sha256: identity.configSha256, prompt_length: String(P), d_model: '32', intrinsic_dim: String(dI),
      hidden_size: String(casesJson.ae_hidden), has_proj: 'true', seed: '13', app_version: '0.1.0',
      tasks: JSON.stringify(['glue-sst2', 'squad-no_context', 'xsum']),
      task_categories: JSON.stringify(['classification', 'qa', '']),
    });
  });

  it('holds Proj_b alone when Proj is left out', () => {
    const { W1: _w1, b1: _b1, ...projB } = referenceProjector();
    const bytes = encodeProjectorBundle({ identity, promptLength: P, weights: projB });
    const b = decodeProjectorBundle(bytes);
    expect(b.weights.W1).toBeUndefined();
    expect(b.tasks).toEqual([]);
    expect(parseHeader(bytes, bytes.byteLength).metadata.has_proj).toBe('false');
    expect(bitsEqual(b.weights.W3.data, projB.W3.data)).toBe(true);
    expect(codeOf(() => projectPrompt(b.weights, new Float32Array(P * 32)))).toBe('shape-mismatch');
  });
});

describe('naming schemes', () => {
  it('maps autoencoder <-> reference <-> bundle names without touching data', () => {
    const w = referenceProjector();
    const ref = projectorToNamed(w, 'reference');
    expect(Object.keys(ref).sort()).toEqual(Object.values(REFERENCE_NAMES).sort());
    const back = projectorFromNamed(new Map(Object.entries(ref)), 'reference');
    const viaBundle = projectorFromNamed(projectorToNamed(back, 'bundle'), 'bundle');
    const ae = projectorToNamed(viaBundle, 'autoencoder');
    for (const p of ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'] as const) expect(bitsEqual(ae[p]!.data, w[p]!.data)).toBe(true);
  });

  it('finds reference names under a module prefix and ignores the rest of a checkpoint', () => {
    const w = referenceProjector();
    const file = writeSafetensors({
      ...Object.fromEntries(Object.entries(projectorToNamed(w, 'reference')).map(([k, t]) => [`model.${k}`, t])),
      'model.encoder.layers.0.fc1.weight': { shape: [2, 2], data: [1, 2, 3, 4] },
    });
    const got = projectorFromNamed(parseSafetensors(file).tensors, 'reference');
    expect(bitsEqual(got.W3.data, w.W3.data)).toBe(true);
  });

  it('reads a reference-code safetensors file into a bundle, checking shapes', () => {
    const w = referenceProjector();
    const named = Object.fromEntries(Object.entries(projectorToNamed(w, 'reference')).map(([k, t]) => [`model.${k}`, t]));
    const file = writeSafetensors({ ...named, 'model.encoder.embed_positions.weight': { shape: [1, 2], data: [0, 1] } });
    const { weights, dims } = readReferenceProjector(file, { dModel: 32, source: 'ref.safetensors' });
    expect(dims).toEqual({ promptLength: P, dModel: 32, intrinsicDim: dI, hiddenSize: casesJson.ae_hidden });
    const b = decodeProjectorBundle(encodeProjectorBundle({ identity, promptLength: dims.promptLength, weights }));
    expect(bitsEqual(b.weights.W1!.data, w.W1!.data)).toBe(true);
    const badBias = writeSafetensors({ ...named, 'model.prompt_W2.bias': { shape: [3], data: [0, 0, 0] } });
    expect(() => readReferenceProjector(badBias, { dModel: 32, source: 'ref.safetensors' })).toThrow(/ref\.safetensors: tensor "prompt_W2\.bias" has shape \[3\], expected \[16\]/);
    expect(codeOf(() => readReferenceProjector(file, { dModel: 7 }))).toBe('shape-mismatch');
    expect(codeOf(() => readReferenceProjector(file.subarray(0, 20), { dModel: 32 }))).toBe('truncated');
  });

  it('rejects missing and ambiguous reference tensors', () => {
    const ref = projectorToNamed(referenceProjector(), 'reference');
    const { 'prompt_W3.weight': _gone, ...missing } = ref;
    expect(codeOf(() => projectorFromNamed(missing, 'reference'))).toBe('shape-mismatch');
    expect(codeOf(() => projectorFromNamed({ ...ref, 'a.prompt_W2.bias': ref['prompt_W2.bias']! }, 'reference'))).toBe('shape-mismatch');
  });
});

describe('import validation', () => {
  it('rejects another model unless overridden, and reports both hashes', async () => {
    const bytes = bundleBytes();
    const other = { ...identity, modelId: 'facebook/bart-large' };
    expect(codeOf(() => decodeProjectorBundle(bytes, { expect: other }))).toBe('model-mismatch');
    expect(decodeProjectorBundle(bytes, { expect: other, allowModelMismatch: true }).modelId).toBe(identity.modelId);
    const otherConfig = { ...identity, configSha256: 'f'.repeat(64) };
    expect(() => decodeProjectorBundle(bytes, { expect: otherConfig, source: 'x.safetensors' })).toThrow(/x\.safetensors: .*hashes to .*ffffffffffff/);
  });

  it('refuses a d_model mismatch even with the override', () => {
    const wide = { ...identity, dModel: 64 };
    expect(codeOf(() => decodeProjectorBundle(bundleBytes(), { expect: wide, allowModelMismatch: true }))).toBe('shape-mismatch');
  });

  it('checks d_I against what the caller expects', () => {
    expect(codeOf(() => decodeProjectorBundle(bundleBytes(), { expectIntrinsicDim: dI + 1 }))).toBe('intrinsic-dim-mismatch');
  });

  it('rejects NaN and Inf weights on export and on import, naming the tensor', () => {
    const w = referenceProjector();
    const bad = { ...w, b2: { shape: w.b2.shape, data: w.b2.data.slice() } };
    bad.b2.data[3] = NaN;
    expect(codeOf(() => encodeProjectorBundle({ identity, promptLength: P, weights: bad }))).toBe('non-finite');
    const file = rewrite(bundleBytes(), (_m, t) => { (t['proj_b.2.weight']!.data as Float32Array)[7] = -Infinity; });
    expect(() => decodeProjectorBundle(file)).toThrow(/"proj_b\.2\.weight" holds -Infinity at flat index 7/);
    const vec = rewrite(bundleBytes(), (_m, t) => { (t.intrinsic_vectors!.data as Float32Array)[0] = NaN; });
    expect(codeOf(() => decodeProjectorBundle(vec))).toBe('non-finite');
  });

  it('rejects shapes that disagree with the metadata', () => {
    const dims = rewrite(bundleBytes(), (m) => { m.intrinsic_dim = String(dI + 1); });
    expect(() => decodeProjectorBundle(dims)).toThrow(/"proj\.weight" has shape \[6,160\], expected \[7,160\]/);
    const len = rewrite(bundleBytes(), (m) => { m.prompt_length = String(P - 1); });
    expect(codeOf(() => decodeProjectorBundle(len))).toBe('shape-mismatch');
    const extra = rewrite(bundleBytes(), (_m, t) => { t.surprise = { shape: [1], data: [0] }; });
    expect(() => decodeProjectorBundle(extra)).toThrow(/unexpected tensor "surprise"/);
    const noVectors = rewrite(bundleBytes(), (_m, t) => { delete t.intrinsic_vectors; });
    expect(() => decodeProjectorBundle(noVectors)).toThrow(/"intrinsic_vectors" is missing/);
    const halfProj = rewrite(bundleBytes(), (_m, t) => { delete t['proj.bias']; });
    expect(codeOf(() => decodeProjectorBundle(halfProj))).toBe('shape-mismatch');
  });

  it('rejects unknown and non-float dtypes', () => {
    const ints = rewrite(bundleBytes(), (_m, t) => { t.intrinsic_vectors = { dtype: 'I32', shape: [3, dI], data: new Array(3 * dI).fill(0) }; });
    expect(codeOf(() => decodeProjectorBundle(ints))).toBe('unsupported-dtype');
    // b2 is F32[16] = 64 bytes, the same size as F64[8]: only the dtype is wrong.
    const f64 = editHeader(bundleBytes(), (h) => h.replace('"dtype":"F32","shape":[16]', '"dtype":"F64","shape":[8]'));
    expect(() => decodeProjectorBundle(f64)).toThrow(/"proj_b\.0\.bias" has dtype F64/);
    const unknown = editHeader(bundleBytes(), (h) => h.replace('"dtype":"F32","shape":[16]', '"dtype":"Q4","shape":[16]'));
    expect(codeOf(() => decodeProjectorBundle(unknown))).toBe('unsupported-dtype');
  });

  it('rejects oversized headers, truncated files and garbage', () => {
    const bytes = bundleBytes();
    const huge = bytes.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(codeOf(() => decodeProjectorBundle(huge))).toBe('header-too-large');
    expect(codeOf(() => decodeProjectorBundle(bytes.subarray(0, bytes.length - 1)))).toBe('truncated');
    expect(codeOf(() => decodeProjectorBundle(bytes.subarray(0, 100)))).toBe('truncated');
    expect(codeOf(() => decodeProjectorBundle(new Uint8Array(3)))).toBe('truncated');
    const badJson = bytes.slice();
    badJson[8] = 0x5b; // '[' : the header is no longer an object
    expect(codeOf(() => decodeProjectorBundle(badJson))).toBe('corrupt');
  });

  it('rejects other artifacts and plain checkpoints as the wrong kind', () => {
    const prompt = encodeSoftPrompt({ identity, promptLength: P, prompt: new Float32Array(P * 32) });
    expect(() => decodeProjectorBundle(prompt)).toThrow(/expected a "intrinsic-lab.projector" file, but the file is a "intrinsic-lab.prompt"/);
    const plain = writeSafetensors({ x: { shape: [1], data: [1] } });
    expect(codeOf(() => decodeProjectorBundle(plain))).toBe('wrong-kind');
  });

  it('rejects files from a newer format and malformed metadata', () => {
    expect(codeOf(() => decodeProjectorBundle(rewrite(bundleBytes(), (m) => { m.artifact_version = '2'; })))).toBe('unsupported-version');
    expect(codeOf(() => decodeProjectorBundle(rewrite(bundleBytes(), (m) => { m.tasks = '["a",'; })))).toBe('bad-metadata');
    expect(codeOf(() => decodeProjectorBundle(rewrite(bundleBytes(), (m) => { m.intrinsic_dim = '6.5'; })))).toBe('bad-metadata');
    expect(codeOf(() => decodeProjectorBundle(rewrite(bundleBytes(), (m) => { m.task_categories = '[]'; })))).toBe('bad-metadata');
    expect(codeOf(() => decodeProjectorBundle(rewrite(bundleBytes(), (m) => { delete m.config_sha256; })))).toBe('bad-metadata');
  });

  it('validates on export too', () => {
    const w = referenceProjector();
    expect(codeOf(() => encodeProjectorBundle({ identity, promptLength: P + 1, weights: w }))).toBe('shape-mismatch');
    const shortTask = [{ name: 't', category: '', vector: new Float32Array(dI - 1) }];
    expect(codeOf(() => encodeProjectorBundle({ identity, promptLength: P, weights: w, tasks: shortTask }))).toBe('intrinsic-dim-mismatch');
    const twice = [someTasks(dI)[0]!, someTasks(dI)[0]!];
    expect(codeOf(() => encodeProjectorBundle({ identity, promptLength: P, weights: w, tasks: twice }))).toBe('bad-metadata');
  });
});

describe('loadProjectorBundle', () => {
  let server: Server;
  let base: string;
  const served = new Map<string, Uint8Array>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = served.get(req.url ?? '');
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads and validates a bundle from a URL, or takes bytes', async () => {
    const bytes = bundleBytes();
    served.set('/p.safetensors', bytes);
    const fromUrl = await loadProjectorBundle(`${base}/p.safetensors`, { expect: identity });
    const fromBytes = await loadProjectorBundle(bytes.buffer.slice(0) as ArrayBuffer);
    expect(bitsEqual(fromUrl.weights.W3.data, fromBytes.weights.W3.data)).toBe(true);
  });

  it('reports HTTP errors and names the URL in validation errors', async () => {
    await expect(loadProjectorBundle(`${base}/missing`)).rejects.toMatchObject({ code: 'fetch-failed' });
    served.set('/cut', bundleBytes().subarray(0, 500));
    await expect(loadProjectorBundle(`${base}/cut`)).rejects.toThrow(new RegExp(`^${base}/cut: `));
  });
});
