// Explore's requests (src/worker/explore.ts) called in-process on tfjs' cpu backend with a tiny
// random BART loaded as picked files: a projector is identified by the SHA-256 of the whole file
// (two bundles agreeing on length and their first and last 64 KiB get their own weights), a bundle
// made for another model is refused with MODEL_MISMATCH naming both unless the request overrides
// it, and tuning and walking leave tf.memory().numTensors flat from one step / call to the next.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/protocol/errors';
import type { TuneVectorParams, TuneVectorProgress } from '../../../src/protocol/messages';
import { encodeProjectorBundle, modelIdentity, sha256Hex, type ModelIdentity, type ProjectorWeights } from '../../../src/shared/artifacts/index';
import { parseBartConfig } from '../../../src/shared/model/config';
import { randomWeights } from '../../../src/shared/model/randomWeights';
import { mulberry32 } from '../../../src/shared/random';
import { writeSafetensors, type WritableTensor } from '../../../src/shared/weights/safetensors';
import { tuneVector, walkSubspace } from '../../../src/worker/explore';
import type { RequestContext } from '../../../src/worker/host';
import { loadModel } from '../../../src/worker/model';

const TOKENIZER = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/tokenizer');
const CONFIG = {
  model_type: 'bart', vocab_size: 600, d_model: 16, encoder_layers: 1, decoder_layers: 1,
  encoder_attention_heads: 2, decoder_attention_heads: 2, encoder_ffn_dim: 32, decoder_ffn_dim: 32, max_position_embeddings: 128,
};
const P = 8;
const D_I = 3;
/** Large enough that W3 ([P*d, HIDDEN], 205 KB) runs past the first and last 64 KiB of the file. */
const HIDDEN = 400;
const EXAMPLES = ['abc', 'bca', 'cab', 'acb'].map((input) => ({ input, outputs: ['yes'] }));

function randoms(n: number, seed: number, scale = 0.3): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (next() * 2 - 1) * scale);
}

function context<P>(onProgress: (p: P) => void = () => undefined): RequestContext<P> {
  const never = new AbortController().signal;
  return { signal: never, pauseSignal: never, progress: onProgress, yieldToControl: async () => undefined, checkpoint: async () => undefined };
}

function bundle(identity: ModelIdentity, w3: Float32Array = randoms(P * 16 * HIDDEN, 3)): Uint8Array {
  const weights: ProjectorWeights = {
    W2: { shape: [HIDDEN, D_I], data: randoms(HIDDEN * D_I, 1) },
    b2: { shape: [HIDDEN], data: randoms(HIDDEN, 2) },
    W3: { shape: [P * 16, HIDDEN], data: w3 },
    b3: { shape: [P * 16], data: randoms(P * 16, 4) },
  };
  return encodeProjectorBundle({ identity, promptLength: P, weights, seed: 7 });
}

const tune = (projector: Uint8Array, extra: Partial<TuneVectorParams> = {}) => {
  const losses: number[] = [];
  const tensors: number[] = [];
  const done = tuneVector({ projector, task: 't', examples: EXAMPLES, steps: 6, lr: 0.05, seed: 1, ...extra }, context<TuneVectorProgress>((p) => {
    losses.push(p.loss);
    tensors.push(tf.memory().numTensors);
  }));
  return done.then((r) => ({ ...r, losses, tensors }));
};

let identity: ModelIdentity;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const tensors: Record<string, WritableTensor> = {};
  for (const [name, t] of randomWeights(parseBartConfig(CONFIG), { seed: 3 })) tensors[name] = t;
  const files = [
    new File([JSON.stringify(CONFIG)], 'config.json'),
    new File([writeSafetensors(tensors).slice()], 'model.safetensors'),
    new File([readFileSync(join(TOKENIZER, 'tokenizer.json'))], 'tokenizer.json'),
    new File([readFileSync(join(TOKENIZER, 'tokenizer_config.json'))], 'tokenizer_config.json'),
  ];
  const summary = await loadModel({ source: { kind: 'files', files }, appBase: 'http://localhost/' }, context());
  identity = await modelIdentity(summary.modelId, CONFIG);
});

describe('Explore: which projector', () => {
  it('bundles that agree on length and on their first and last 64 KiB are still told apart (SHA-256 of the whole file)', async () => {
    const w3 = randoms(P * 16 * HIDDEN, 3);
    const changed = Float32Array.from(w3);
    // Only the middle of W3 differs, so the files differ only in the middle.
    for (let i = changed.length / 2 - 500; i < changed.length / 2 + 500; i++) changed[i] = -changed[i]! * 3;
    const a = bundle(identity, w3);
    const b = bundle(identity, changed);
    const K = 65536;
    expect(a.length).toBe(b.length);
    expect(a.length).toBeGreaterThan(2 * K);
    expect(a.subarray(0, K)).toEqual(b.subarray(0, K));
    expect(a.subarray(a.length - K)).toEqual(b.subarray(b.length - K));

    const short = { steps: 2 };
    const first = await tune(a, short);
    const second = await tune(b, short);
    // b's weights, not a's: the same as b computed first thing after another projector.
    await tune(bundle(identity, randoms(P * 16 * HIDDEN, 9)), short);
    const fresh = await tune(b.slice(), short);
    expect(second.losses).toEqual(fresh.losses);
    expect(second.losses[0]).not.toBe(first.losses[0]);
  });

  it('a SHA-256 sent with the bytes names the built projector (hashed once per file), and a wrong one is refused at build', async () => {
    const a = bundle(identity, randoms(P * 16 * HIDDEN, 4));
    const sha = await sha256Hex(a);
    const short = { steps: 2 };
    const plain = await tune(a, short);
    expect((await tune(a.slice(), { ...short, projectorSha256: sha })).losses).toEqual(plain.losses);
    const b = bundle(identity, randoms(P * 16 * HIDDEN, 5));
    await expect(tune(b, { ...short, projectorSha256: sha.replace(/^./, (c) => (c === '0' ? '1' : '0')) })).rejects.toThrow('tuneVector: the projector\'s bytes do not match the SHA-256 sent with them');
  });

  it('a bundle made for another model, or for another config.json, is refused naming both unless overridden', async () => {
    const other = bundle({ ...identity, modelId: 'hub:someone/else' });
    const refused = tune(other);
    await expect(refused).rejects.toBeInstanceOf(EngineError);
    await expect(refused).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });
    await expect(refused).rejects.toThrow(`"hub:someone/else", but "${identity.modelId}" is loaded`);
    const walk = { projector: other, vector: [0, 0, 0], task: 't', inputs: ['abc'], maxNewTokens: 2 };
    await expect(walkSubspace(walk)).rejects.toMatchObject({ code: 'MODEL_MISMATCH' });

    const otherConfig = bundle(await modelIdentity(identity.modelId, { ...CONFIG, dropout: 0.3 }));
    await expect(tune(otherConfig)).rejects.toMatchObject({ code: 'MODEL_MISMATCH', message: expect.stringContaining('config.json hashes to') });

    expect((await tune(other, { allowModelMismatch: true })).vector).toHaveLength(D_I);
    expect((await walkSubspace({ ...walk, allowModelMismatch: true })).outputs).toHaveLength(1);
  });
});

describe('Explore: no tensor leaks', () => {
  it('tuning keeps numTensors flat from step to step, and after the call', async () => {
    const projector = bundle(identity);
    await tune(projector); // builds the projector and warms the kernels
    const before = tf.memory().numTensors;
    const r = await tune(projector, { steps: 12 });
    // Progress comes once per step; after the first step's optimizer slots, nothing grows.
    expect(r.tensors.length).toBe(12);
    expect(new Set(r.tensors.slice(1))).toEqual(new Set([r.tensors[1]]));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('walking the subspace keeps numTensors flat from call to call', async () => {
    const projector = bundle(identity);
    const walk = (v: number[]) => walkSubspace({ projector, vector: v, task: 't', inputs: ['abc', 'cab'], maxNewTokens: 3 });
    await walk([0, 0, 0]);
    const counts: number[] = [];
    for (const v of [[0.1, 0, 0], [0, 0.2, 0], [0, 0, -0.3]]) {
      await walk(v);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts)).toEqual(new Set([counts[0]]));
  });
});
