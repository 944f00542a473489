// Weight validation, batching conventions, invariances and memory hygiene of the BART engine.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Bart, defaultPacking, ModelWeightsError, PACK_BOTH_MAX_FLOATS, seededDropout, type WeightPacking } from '../../../../src/engine/model/bart';
import { makeBatch, disposeBatch } from '../../../../src/engine/model/batch';
import { parseBartConfig } from '../../../../src/shared/model/config';
import { labelSmoothedNllSum, meanCrossEntropy } from '../../../../src/engine/model/loss';
import { randomWeights } from '../../../../src/shared/model/randomWeights';
import { AdamW, clipByGlobalNorm } from '../../../../src/engine/tuning/adamw';
import { useNodeBackend } from '../../../../src/node/backend';
import { fixtureModel, OTHER_CONFIG_JSON } from './support';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('Bart.fromTensors validates the checkpoint', () => {
  it('names a missing tensor', () => {
    const { config, weights } = fixtureModel();
    weights.delete('model.decoder.layers.1.encoder_attn.k_proj.bias');
    expect(() => Bart.fromTensors(config, weights)).toThrow(/missing tensor "model\.decoder\.layers\.1\.encoder_attn\.k_proj\.bias"/);
  });

  it('names a tensor with the wrong shape and both shapes', () => {
    const { config, weights } = fixtureModel();
    weights.set('model.encoder.layers.0.fc1.weight', { dtype: 'F32', shape: [32, 64], data: new Float32Array(32 * 64) });
    let err: unknown;
    try {
      Bart.fromTensors(config, weights);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelWeightsError);
    expect((err as ModelWeightsError).tensor).toBe('model.encoder.layers.0.fc1.weight');
    expect((err as Error).message).toMatch(/"model\.encoder\.layers\.0\.fc1\.weight" has shape \[32,64\], expected \[64,32\]/);
  });

  it('rejects a checkpoint made for another config, naming the first mismatching tensor', () => {
    const { weights } = fixtureModel();
    const other = parseBartConfig(OTHER_CONFIG_JSON);
    expect(() => Bart.fromTensors(other, weights)).toThrow(/"model\.shared\.weight" has shape \[97,32\], expected \[61,24\]/);
  });

  it('checks tied embed_tokens when present and defaults final_logits_bias to zeros', () => {
    const { config, weights } = fixtureModel();
    const bad = new Map(weights);
    bad.set('model.encoder.embed_tokens.weight', { dtype: 'F32', shape: [96, 32], data: new Float32Array(96 * 32) });
    expect(() => Bart.fromTensors(config, bad)).toThrow(/embed_tokens\.weight/);

    const zeroBias = new Map(weights);
    zeroBias.set('final_logits_bias', { dtype: 'F32', shape: [1, config.vocabSize], data: new Float32Array(config.vocabSize) });
    const noBias = new Map(weights);
    noBias.delete('final_logits_bias');
    const a = Bart.fromTensors(config, zeroBias);
    const b = Bart.fromTensors(config, noBias);
    const batch = makeBatch(config, [{ input: [0, 5, 9, 2], target: [0, 7, 2] }]);
    const la = a.logits(batch, null);
    const lb = b.logits(batch, null);
    expect(Array.from(lb.dataSync())).toEqual(Array.from(la.dataSync()));
    tf.dispose([la, lb]);
    disposeBatch(batch);
    a.dispose();
    b.dispose();
  });
});

describe('makeBatch', () => {
  it('right-pads and shifts labels right with decoder_start_token_id, as the reference fixture does', () => {
    const { config, cases } = fixtureModel();
    const ids = cases.get('input_ids')!;
    const labels = cases.get('labels')!;
    const rows = (t: { shape: readonly number[]; data: ArrayLike<number> }) =>
      Array.from({ length: t.shape[0]! }, (_, b) => Array.from(t.data).slice(b * t.shape[1]!, (b + 1) * t.shape[1]!));
    const strip = (r: number[]) => r.filter((x) => x !== config.padTokenId); // right padding only
    const pairs = rows(ids).map((r, b) => ({ input: strip(r), target: strip(rows(labels)[b]!) }));
    const batch = makeBatch(config, pairs, { padTo: { input: ids.shape[1], target: labels.shape[1] } });
    expect(Array.from(batch.inputIds.dataSync())).toEqual(Array.from(ids.data));
    expect(Array.from(batch.labels.dataSync())).toEqual(Array.from(labels.data));
    expect(Array.from(batch.decoderInputIds.dataSync())).toEqual(Array.from(cases.get('decoder_input_ids')!.data));
    expect(Array.from(batch.attentionMask.dataSync())).toEqual(Array.from(ids.data).map((x) => (x === config.padTokenId ? 0 : 1)));
    disposeBatch(batch);
  });

  it('rejects out-of-vocabulary ids and rows longer than the bucket', () => {
    const { config } = fixtureModel();
    expect(() => makeBatch(config, [{ input: [0, 97], target: [0, 2] }])).toThrow(/token id 97/);
    expect(() => makeBatch(config, [{ input: [0, 4, 5, 2], target: [0, 2] }], { padTo: { input: 3 } })).toThrow(/padTo\.input 3/);
  });
});

describe('invariances', () => {
  it('extra padding (input and target buckets) changes neither the real logits nor the losses', () => {
    const { config, weights, cases } = fixtureModel();
    const bart = Bart.fromTensors(config, weights);
    const prompt = tf.tensor2d(cases.get('prompt')!.data as Float32Array, [5, 32]);
    const pairs = [{ input: [0, 11, 12, 13, 2], target: [0, 40, 41, 2] }, { input: [0, 20, 2], target: [0, 2] }];
    const tight = makeBatch(config, pairs);
    const loose = makeBatch(config, pairs, { padTo: { input: 12, target: 9 } });
    const lt = bart.logits(tight, prompt);
    const ll = bart.logits(loose, prompt);
    const sliced = ll.slice([0, 0, 0], lt.shape);
    // Row 0 has no pad in the tight batch; compare it fully. Row 1 only at its real target positions.
    const a = lt.arraySync();
    const b = sliced.arraySync();
    for (let t = 0; t < 4; t++) for (let v = 0; v < config.vocabSize; v++) expect(b[0]![t]![v]!).toBeCloseTo(a[0]![t]![v]!, 4);
    for (let t = 0; t < 2; t++) for (let v = 0; v < config.vocabSize; v++) expect(b[1]![t]![v]!).toBeCloseTo(a[1]![t]![v]!, 4);
    const pad = config.padTokenId;
    expect(labelSmoothedNllSum(ll, loose.labels, pad).dataSync()[0]).toBeCloseTo(labelSmoothedNllSum(lt, tight.labels, pad).dataSync()[0]!, 3);
    expect(meanCrossEntropy(ll, loose.labels, pad).dataSync()[0]).toBeCloseTo(meanCrossEntropy(lt, tight.labels, pad).dataSync()[0]!, 4);
    tf.dispose([lt, ll, sliced, prompt]);
    disposeBatch(tight);
    disposeBatch(loose);
    bart.dispose();
  });

  it('a per-example prompt [B, P, d] equals the shared prompt [P, d] repeated', () => {
    const { config, weights, cases } = fixtureModel();
    const bart = Bart.fromTensors(config, weights);
    const p2 = tf.tensor2d(cases.get('prompt')!.data as Float32Array, [5, 32]);
    const p3 = tf.stack([p2, p2]) as tf.Tensor3D;
    const batch = makeBatch(config, [{ input: [0, 4, 2], target: [0, 9, 2] }, { input: [0, 8, 8, 2], target: [0, 2] }]);
    const a = bart.logits(batch, p2);
    const b = bart.logits(batch, p3);
    expect(tf.max(tf.abs(a.sub(b))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([a, b, p2, p3]);
    disposeBatch(batch);
    bart.dispose();
  });
});

describe('memory', () => {
  it('20 prompt-tuning steps (forward, backward to the prompt, clip, AdamW) leave tf.memory().numTensors flat', () => {
    const config = parseBartConfig(OTHER_CONFIG_JSON);
    const bart = Bart.fromTensors(config, randomWeights(config, { seed: 3 }));
    const prompt = tf.variable(tf.randomNormal([4, config.dModel], 0, 0.02, 'float32', 1), true, 'prompt') as tf.Variable<tf.Rank.R2>;
    const opt = new AdamW([prompt], { lr: 1e-2 });
    const batch = makeBatch(config, [{ input: [0, 5, 6, 2], target: [0, 9, 10, 2] }, { input: [0, 7, 2], target: [0, 11, 2] }], { padTo: { input: 8, target: 6 } });
    const losses: number[] = [];
    const step = () => {
      const { value, grads } = tf.variableGrads(() => labelSmoothedNllSum(bart.logits(batch, prompt), batch.labels, config.padTokenId), [prompt]);
      const { clipped, norm } = clipByGlobalNorm([grads[prompt.name]!], 1.0);
      opt.applyGradients(clipped);
      losses.push(value.dataSync()[0]!);
      tf.dispose([value, norm, ...clipped, ...Object.values(grads)]);
    };
    step(); // first step allocates the optimizer's lazily created scalars
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    // And it learns: the loss on the fixed batch falls.
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    opt.dispose();
    prompt.dispose();
    disposeBatch(batch);
    bart.dispose();
  });

  it('full fine-tuning exposes every weight as a variable and trains them on cpu', () => {
    const config = parseBartConfig(OTHER_CONFIG_JSON);
    const bart = Bart.fromTensors(config, randomWeights(config, { seed: 4 }), { trainable: true });
    const vars = bart.variables();
    expect(vars.length).toBe(bart.namedWeights().size);
    const batch = makeBatch(config, [{ input: [0, 5, 6, 2], target: [0, 9, 10, 2] }]);
    const { value, grads } = tf.variableGrads(() => labelSmoothedNllSum(bart.logits(batch, null), batch.labels, config.padTokenId), vars);
    expect(Object.keys(grads).length).toBe(vars.length);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    tf.dispose([value, ...Object.values(grads)]);
    disposeBatch(batch);
    bart.dispose();
    const second = Bart.fromTensors(config, randomWeights(config, { seed: 4 }), { trainable: true }); // no name clash
    second.dispose();
    const frozen = Bart.fromTensors(config, randomWeights(config));
    expect(frozen.variables()).toEqual([]);
    frozen.dispose();
  });

  it('full fine-tuning gradients on wasm (with src/engine/kernels) equal those on cpu', async () => {
    const config = parseBartConfig(OTHER_CONFIG_JSON);
    const ckpt = randomWeights(config, { seed: 5 });
    const grads = async (backend: 'cpu' | 'wasm') => {
      await useNodeBackend(backend);
      const bart = Bart.fromTensors(config, ckpt, { trainable: true });
      const batch = makeBatch(config, [{ input: [0, 5, 6, 2], target: [0, 9, 10, 2] }, { input: [0, 7, 2], target: [0, 5, 2] }]);
      const vars = bart.variables();
      const { value, grads: g } = tf.variableGrads(() => labelSmoothedNllSum(bart.logits(batch, null), batch.labels, config.padTokenId), vars);
      const out = await Promise.all(vars.map(async (v) => Float32Array.from(await g[v.name]!.data())));
      tf.dispose([value, ...Object.values(g)]);
      disposeBatch(batch);
      bart.dispose();
      return out;
    };
    const onCpu = await grads('cpu');
    const onWasm = await grads('wasm');
    await useNodeBackend('cpu');
    onCpu.forEach((a, i) => {
      const b = onWasm[i]!;
      let maxRef = 0;
      let maxErr = 0;
      a.forEach((x, j) => {
        maxRef = Math.max(maxRef, Math.abs(x));
        maxErr = Math.max(maxErr, Math.abs(x - b[j]!));
      });
      expect(maxErr).toBeLessThanOrEqual(1e-3 * maxRef + 1e-9);
    });
  });
});

describe('training dropout', () => {
  const key = { seed: 7, step: 3 };
  const values = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array);
  const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

  it('drops at the rate and scales what it keeps by 1 / (1 - p)', () => {
    const x = tf.ones([1000, 1000]);
    const y = values(seededDropout(x, 0.1, key, 0));
    x.dispose();
    const zeros = y.filter((v) => v === 0).length / y.length;
    // The fraction's standard deviation is sqrt(0.09 / 1e6) = 3e-4: 0.0015 is five of them.
    expect(Math.abs(zeros - 0.1)).toBeLessThan(0.0015);
    expect(y.every((v) => v === 0 || v === Math.fround(1 / 0.9))).toBe(true);
  });

  it('a mask is a function of (seed, step, site): the same key repeats it, another step, seed or site does not', () => {
    const x = tf.ones([64, 64]);
    const m = (k: { seed: number; step: number }, site: number) => values(tf.tidy(() => seededDropout(x, 0.1, k, site)));
    const a = m(key, 0);
    expect(same(a, m({ ...key }, 0))).toBe(true);
    expect(same(a, m({ ...key, step: 4 }, 0))).toBe(false);
    expect(same(a, m({ ...key, seed: 8 }, 0))).toBe(false);
    expect(same(a, m(key, 1))).toBe(false);
    x.dispose();
  });

  it('the same key gives the same mask on wasm as on cpu', async () => {
    const onBackend = async (b: 'cpu' | 'wasm') => {
      await useNodeBackend(b);
      const x = tf.ones([40, 50]);
      const y = seededDropout(x, 0.1, key, 2);
      const out = Float32Array.from(await y.data() as Float32Array);
      tf.dispose([x, y]);
      return out;
    };
    const cpu = await onBackend('cpu');
    const wasm = await onBackend('wasm');
    await useNodeBackend('cpu');
    expect(same(cpu, wasm)).toBe(true);
  });

  it('a training forward pass drops with the config rates, repeats for a key, and is the eval pass without one or at rate 0', () => {
    const rates = { dropout: 0.1, attention_dropout: 0.1, activation_dropout: 0.1 };
    const config = parseBartConfig({ ...OTHER_CONFIG_JSON, ...rates });
    expect([config.dropout, config.attentionDropout, config.activationDropout]).toEqual([0.1, 0.1, 0.1]);
    const ckpt = randomWeights(config, { seed: 6, std: 0.3 });
    const bart = Bart.fromTensors(config, ckpt);
    const batch = makeBatch(config, [{ input: [0, 5, 6, 7, 8, 2], target: [0, 9, 10, 11, 2] }, { input: [0, 7, 2], target: [0, 5, 2] }]);
    const prompt = tf.randomNormal([3, config.dModel], 0, 0.3, 'float32', 1) as tf.Tensor2D;
    const run = (k?: { seed: number; step: number }, model = bart) => values(tf.tidy(() => model.logits(batch, prompt, k)));
    const evalPass = run();
    const train = run(key);
    expect(same(train, evalPass)).toBe(false);
    expect(same(train, run({ ...key }))).toBe(true);
    expect(same(train, run({ ...key, step: 4 }))).toBe(false);
    expect(same(evalPass, run())).toBe(true);
    // Each rate reaches the pass on its own.
    for (const r of Object.keys(rates)) {
      const only = parseBartConfig({ ...OTHER_CONFIG_JSON, [r]: 0.1 });
      const m = Bart.fromTensors(only, ckpt);
      expect(same(run(key, m), evalPass), r).toBe(false);
      m.dispose();
    }
    // A model whose config has no dropout trains exactly as it evaluates.
    const none = Bart.fromTensors(parseBartConfig(OTHER_CONFIG_JSON), ckpt);
    expect(same(run(key, none), evalPass)).toBe(true);
    none.dispose();
    prompt.dispose();
    disposeBatch(batch);
    bart.dispose();
  });
});

describe('weight packing (frozen weights laid out once at load for the products)', () => {
  const config = parseBartConfig(OTHER_CONFIG_JSON);
  const ckpt = randomWeights(config, { seed: 6 });
  const batch2 = () => makeBatch(config, [{ input: [0, 5, 6, 9, 2], target: [0, 9, 10, 2] }, { input: [0, 7, 2], target: [0, 5, 2] }]);

  /** Loss, prompt gradient and the next-token logits of two cached decode steps, under one packing. */
  const run = (packing: WeightPacking) => {
    const before = tf.memory().numTensors;
    const bart = Bart.fromTensors(config, ckpt, { packing });
    const batch = batch2();
    const init = tf.randomNormal([3, config.dModel], 0, 0.5, 'float32', 2);
    const prompt = tf.variable(init, true) as tf.Variable<tf.Rank.R2>;
    init.dispose();
    const { value, grads } = tf.variableGrads(() => labelSmoothedNllSum(bart.logits(batch, prompt), batch.labels, config.padTokenId), [prompt]);
    const loss = value.dataSync()[0]!;
    const grad = Float32Array.from(grads[prompt.name]!.dataSync());
    const hidden = bart.encode(batch.inputIds, batch.attentionMask, prompt);
    const mask = tf.tidy(() => tf.concat([tf.ones([2, 3]), batch.attentionMask.toFloat()], 1) as tf.Tensor2D);
    const cache = bart.startCache(hidden, mask);
    const steps = [tf.tensor1d([2, 2], 'int32'), tf.tensor1d([0, 7], 'int32')].map((ids) => {
      const l = bart.step(ids, cache);
      const out = Float32Array.from(l.dataSync());
      tf.dispose([l, ids]);
      return out;
    });
    bart.disposeCache(cache);
    tf.dispose([value, hidden, mask, prompt, ...Object.values(grads)]);
    disposeBatch(batch);
    expect(bart.packing).toBe(packing);
    bart.dispose();
    // Every layout made at load goes with the model.
    expect(tf.memory().numTensors).toBe(before);
    return { loss, grad, steps };
  };

  const close = (a: Float32Array, b: Float32Array) => {
    let maxRef = 0;
    let maxErr = 0;
    a.forEach((x, j) => {
      maxRef = Math.max(maxRef, Math.abs(x));
      maxErr = Math.max(maxErr, Math.abs(x - b[j]!));
    });
    expect(maxRef).toBeGreaterThan(0);
    expect(maxErr).toBeLessThanOrEqual(1e-5 * maxRef);
  };

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`'both' and 'forward' give what the checkpoint's layout gives ('none') on ${backend}: loss, prompt gradient, cached decoding`, async () => {
      await useNodeBackend(backend);
      try {
        const ref = run('none');
        for (const p of ['forward', 'both'] as const) {
          const got = run(p);
          expect(Math.abs(got.loss - ref.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(ref.loss));
          close(ref.grad, got.grad);
          ref.steps.forEach((s, i) => close(s, got.steps[i]!));
        }
      } finally {
        await useNodeBackend('cpu');
      }
    });
  }

  it('a frozen model packs both ways up to PACK_BOTH_MAX_FLOATS, the forward only above; a trainable one never', () => {
    expect(defaultPacking(PACK_BOTH_MAX_FLOATS)).toBe('both');
    expect(defaultPacking(PACK_BOTH_MAX_FLOATS + 1)).toBe('forward');
    // bart-base: 139.4M weight floats with the shared embedding.
    expect(defaultPacking(139_420_416)).toBe('forward');
    const frozen = Bart.fromTensors(config, ckpt);
    expect(frozen.packing).toBe('both');
    frozen.dispose();
    const trainable = Bart.fromTensors(config, ckpt, { trainable: true, packing: 'both' });
    expect(trainable.packing).toBe('none');
    trainable.dispose();
  });
});
