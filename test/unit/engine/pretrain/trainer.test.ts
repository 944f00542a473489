// Full-parameter pre-training of a tiny BART on wasm: the loss falls within 30 steps, memory is
// flat, a checkpoint/resume reproduces the uninterrupted run bit for bit, and the exported
// model folder loads back into the engine with the same outputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from '../../../../src/engine/kernels';
import { Bart } from '../../../../src/engine/model/bart';
import { makeBatch } from '../../../../src/engine/model/batch';
import { parseBartConfig } from '../../../../src/shared/model/config';
import { builtinPretrainCorpus } from '../../../../src/engine/pretrain/corpus';
import {
  buildPretrainerInit,
  PRETRAIN_DEFAULTS,
  type PretrainConfig,
  Pretrainer,
  type PretrainerInit,
  pretrainConfigJson,
  trainPretrainTokenizer,
} from '../../../../src/engine/pretrain/trainer';
import { loadTokenizer, type TextCodec } from '../../../../src/shared/tokenizer/index';
import { parseSafetensors, writeSafetensors } from '../../../../src/shared/weights/safetensors';
import { useNodeBackend } from '../../../../src/node/backend';

const config: PretrainConfig = {
  ...PRETRAIN_DEFAULTS,
  seed: 3,
  vocabSize: 360,
  dModel: 32,
  layers: 1,
  heads: 2,
  ffnDim: 64,
  maxPositions: 64,
  maxSourceTokens: 48,
  maxTargetTokens: 48,
  batchSize: 8,
  totalSteps: 30,
  warmupSteps: 2,
  lr: 3e-3,
  validationEvery: 10,
  validationPairs: 32,
};

describe('pre-training a tiny BART on wasm', () => {
  let init: PretrainerInit;
  let codec: TextCodec;

  beforeAll(async () => {
    await useNodeBackend('wasm');
    registerWasmKernels();
    const full = builtinPretrainCorpus({ seeds: [1] });
    // Every 20th document: a small but varied corpus keeps tokenizer training and encoding fast.
    const corpus = { documents: full.documents.filter((_, i) => i % 20 === 0), supervised: [] };
    const tok = trainPretrainTokenizer(corpus, config);
    codec = await loadTokenizer(tok.tokenizerJson, tok.tokenizerConfigJson);
    init = buildPretrainerInit(config, codec, corpus);
  });

  afterAll(() => {
    tf.setBackend('cpu');
  });

  it('30 full-parameter steps lower the validation loss, with flat memory', async () => {
    const p = Pretrainer.fresh(init);
    try {
      const before = await p.validationLoss();
      // Untrained: close to a uniform guess over the vocabulary.
      expect(Math.abs(before - Math.log(codec.vocabSize))).toBeLessThan(0.5);
      await p.trainStep();
      const tensors = tf.memory().numTensors;
      const losses: number[] = [];
      while (!p.done) {
        const log = await p.trainStep();
        expect(Number.isFinite(log.loss)).toBe(true);
        expect(log.gradNorm).toBeGreaterThan(0);
        losses.push(log.loss);
        expect(tf.memory().numTensors).toBe(tensors);
      }
      const after = await p.validationLoss();
      expect(p.step).toBe(30);
      expect(after).toBeLessThan(before - 0.5);
      const head = losses.slice(0, 5).reduce((a, b) => a + b, 0) / 5;
      const tail = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
      expect(tail).toBeLessThan(head);
    } finally {
      p.dispose();
    }
  });

  it('resuming from a checkpoint reproduces the uninterrupted run exactly', async () => {
    const short = { ...init, config: { ...config, totalSteps: 4 } };
    const a = Pretrainer.fresh(short);
    for (let i = 0; i < 4; i++) await a.trainStep();
    const straight = await a.weights();
    a.dispose();

    const b = Pretrainer.fresh(short);
    await b.trainStep();
    await b.trainStep();
    const ckpt = await b.checkpoint('t');
    b.dispose();
    const c = Pretrainer.resume(short, ckpt);
    expect(c.step).toBe(2);
    await c.trainStep();
    await c.trainStep();
    expect(c.done).toBe(true);
    const resumed = await c.weights();
    c.dispose();
    expect([...resumed.keys()]).toEqual([...straight.keys()]);
    for (const [name, t] of straight) {
      expect(Buffer.from(resumed.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    }
    // A checkpoint of another config is refused with both configs in the message.
    expect(() => Pretrainer.resume({ ...short, config: { ...short.config, lr: 1 } }, ckpt)).toThrow(/another pre-training config/);
  });

  it('the exported config.json + model.safetensors load back into the engine with identical logits', async () => {
    const p = Pretrainer.fresh({ ...init, config: { ...config, totalSteps: 2 } });
    await p.trainStep();
    const bytes = writeSafetensors(Object.fromEntries(await p.weights()));
    const json = JSON.parse(JSON.stringify(pretrainConfigJson(config, codec))) as unknown;
    const pair = init.validation[0]!;
    const logitsOf = (m: Bart, cfg: typeof init.bartConfig) => tf.tidy(() => m.logits(makeBatch(cfg, [pair]), null).dataSync());
    const want = logitsOf(p.model, init.bartConfig);
    p.dispose();
    const cfg = parseBartConfig(json);
    expect(cfg).toEqual(init.bartConfig);
    const loaded = Bart.fromTensors(cfg, parseSafetensors(bytes).tensors);
    const got = logitsOf(loaded, cfg);
    loaded.dispose();
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });
});
