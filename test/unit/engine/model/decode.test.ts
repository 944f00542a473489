// Decoding: the cached incremental decoder agrees with teacher forcing, beam search is at least
// as good as greedy under its own objective, and one beam is greedy.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { disposeBatch, makeBatch } from '../../../../src/engine/model/batch';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bart } from '../../../../src/engine/model/bart';
import { bannedNgramTokens, generate, generateWithScores } from '../../../../src/engine/model/decode';
import { parseBartConfig } from '../../../../src/shared/model/config';
import { randomWeights } from '../../../../src/shared/model/randomWeights';
import { parseSafetensors } from '../../../../src/shared/weights/safetensors';
import { sequenceLogLikelihood } from '../../../../src/engine/model/loss';
import { useNodeBackend } from '../../../../src/node/backend';
import { OTHER_CONFIG_JSON, randomModel } from './support';

const INPUTS = [[0, 5, 9, 17, 2], [0, 33, 2], [0, 12, 12, 40, 41, 42, 2], [0, 3, 58, 2]];

let model: Bart;
let prompt: tf.Tensor2D;
beforeAll(async () => {
  await useNodeBackend('cpu');
  model = randomModel(OTHER_CONFIG_JSON, { seed: 11, std: 0.3 });
  prompt = tf.randomNormal([3, model.config.dModel], 0, 0.5, 'float32', 5) as tf.Tensor2D;
});

function encoderBatch() {
  return makeBatch(model.config, INPUTS.map((input) => ({ input, target: [0] })));
}

/** Teacher-forced log-likelihood of each generated row (start token prepended). */
function teacherForced(ids: number[][]): number[] {
  const batch = makeBatch(model.config, INPUTS.map((input, b) => ({ input, target: ids[b]! })));
  const ll = tf.tidy(() => sequenceLogLikelihood(model.logits(batch, prompt), batch.labels, model.config.padTokenId));
  const out = Array.from(ll.dataSync());
  ll.dispose();
  disposeBatch(batch);
  return out;
}

describe('greedy', () => {
  it('cached step-by-step scores equal the teacher-forced log-likelihood of the same ids', async () => {
    const batch = encoderBatch();
    const before = tf.memory().numTensors;
    const { ids, scores } = await generateWithScores(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 1, maxNewTokens: 12 });
    expect(tf.memory().numTensors).toBe(before);
    const c = model.config;
    for (const row of ids) {
      expect(row[0]).toBe(c.forcedBosTokenId); // forced at the first step
      expect(row.length).toBeLessThanOrEqual(12);
      if (row.length === 12) expect(row[11]).toBe(c.forcedEosTokenId); // forced at the limit
      expect(row.slice(0, -1)).not.toContain(c.eosTokenId); // stops at the first </s>
    }
    const tf_ = teacherForced(ids);
    scores.forEach((s, b) => expect(s).toBeCloseTo(tf_[b]!, 3));
    disposeBatch(batch);
  });

  it('runs the encoder once per call', async () => {
    const batch = encoderBatch();
    const spy = vi.spyOn(model, 'encodeWithMask');
    await generate(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 1, maxNewTokens: 6 });
    await generate(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 3, maxNewTokens: 6 });
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
    disposeBatch(batch);
  });
});

describe('beam search', () => {
  it('with one beam returns exactly the greedy ids', async () => {
    const batch = encoderBatch();
    const greedy = await generate(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 1, maxNewTokens: 10 });
    const beam1 = await generate(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 1, maxNewTokens: 10, forceBeamSearch: true });
    expect(beam1).toEqual(greedy);
    disposeBatch(batch);
  });

  it('4 beams score at least as well as greedy (sum of log-probs, lengthPenalty 0), and report the true score', async () => {
    const batch = encoderBatch();
    const before = tf.memory().numTensors;
    const greedy = await generateWithScores(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 1, maxNewTokens: 10 });
    const beam = await generateWithScores(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 4, maxNewTokens: 10, lengthPenalty: 0, earlyStopping: false });
    expect(tf.memory().numTensors).toBe(before);
    const ll = teacherForced(beam.ids);
    beam.scores.forEach((s, b) => {
      expect(s).toBeGreaterThanOrEqual(greedy.scores[b]! - 1e-4);
      expect(s).toBeCloseTo(ll[b]!, 3);
    });
    // At least one row where the wider search actually found something different here.
    expect(beam.ids.some((row, b) => JSON.stringify(row) !== JSON.stringify(greedy.ids[b]))).toBe(true);
    disposeBatch(batch);
  });

  it('defaults (4 beams, length penalty 1, early stopping) return </s>-terminated rows within the limit', async () => {
    const batch = encoderBatch();
    const ids = await generate(model, batch.inputIds, batch.attentionMask, prompt, { maxNewTokens: 8 });
    expect(ids).toHaveLength(INPUTS.length);
    for (const row of ids) {
      expect(row.length).toBeGreaterThan(0);
      expect(row.length).toBeLessThanOrEqual(8);
      expect(row[0]).toBe(model.config.forcedBosTokenId);
    }
    disposeBatch(batch);
  });
});

// The engine convention (every preset but the paper's) must decode exactly as before the reference
// profile existed: these ids were recorded with the decoder of commit 679638c.
describe('the engine convention is unchanged', () => {
  it('greedy and beam ids of the random test model equal the recorded ones', async () => {
    const batch = encoderBatch();
    expect(await generate(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 1, maxNewTokens: 12 })).toEqual([
      [0, 6, 45, 6, 45, 6, 45, 6, 45, 6, 45, 2], [0, 6, 6, 6, 45, 6, 45, 6, 6, 6, 6, 2],
      [0, 6, 45, 6, 45, 6, 45, 45, 6, 45, 6, 2], [0, 6, 6, 6, 45, 6, 45, 6, 6, 6, 6, 2],
    ]);
    const beam = [[0, 6, 55, 6, 6, 6, 6, 6, 6, 2], [0, 6, 55, 6, 6, 6, 6, 6, 6, 2], [0, 6, 6, 6, 45, 6, 45, 45, 6, 2], [0, 6, 6, 6, 45, 6, 55, 6, 6, 2]];
    expect(await generate(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 4, maxNewTokens: 10 })).toEqual(beam);
    expect(await generate(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 4, maxNewTokens: 10, earlyStopping: false })).toEqual(beam);
    disposeBatch(batch);
  });

  it('the embedded model (its config has no generation entries) decodes as recorded', async () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../../public/models/intrinsic-bart-tiny');
    const config = parseBartConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
    expect(config.generation).toEqual({ noRepeatNgramSize: 0, minLength: 0, lengthPenalty: 1, earlyStopping: null, numBeams: 1, maxLength: 20 });
    const tiny = Bart.fromTensors(config, parseSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors')))).tensors);
    const b = makeBatch(config, [[0, 50, 60, 70, 80, 2], [0, 100, 200, 300, 2], [0, 7, 8, 9, 10, 11, 12, 2]].map((input) => ({ input, target: [0] })));
    const recorded = [[0, 50, 472, 316, 261, 2], [0, 367, 2], [0, 367, 2]];
    // The smoke preset's decoding (numBeams 1, maxNewTokens 16) and the model screen's (4 beams).
    expect(await generate(tiny, b.inputIds, b.attentionMask, null, { numBeams: 1, maxNewTokens: 16 })).toEqual(recorded);
    expect(await generate(tiny, b.inputIds, b.attentionMask, null, { numBeams: 4, maxNewTokens: 16 })).toEqual(recorded);
    disposeBatch(b);
    tiny.dispose();
  });
});

describe('transformers 2.9 generation rules', () => {
  it('bannedNgramTokens bans what would complete an n-gram already in the row (start token included)', () => {
    expect(bannedNgramTokens([0, 5, 6, 7, 5], 3)).toEqual([]); // prefix [7, 5] never seen before
    expect(bannedNgramTokens([0, 5, 6, 7, 5, 6], 3)).toEqual([7]);
    expect(bannedNgramTokens([0, 0], 3)).toEqual([]); // cur_len + 1 < n is false only from 2 tokens on
    expect(bannedNgramTokens([0, 0, 0], 3)).toEqual([0]);
    expect(bannedNgramTokens([0, 4, 0, 9, 0], 2)).toEqual([4, 9]);
    expect(bannedNgramTokens([0, 5, 6, 5, 6], 0)).toEqual([]);
  });

  it('no_repeat_ngram_size from the config: no row repeats a 3-gram, in greedy and beam search', async () => {
    const banned = randomModel({ ...OTHER_CONFIG_JSON, no_repeat_ngram_size: 3 }, { seed: 11, std: 0.3 });
    const batch = encoderBatch();
    for (const numBeams of [1, 4]) {
      const rows = await generate(banned, batch.inputIds, batch.attentionMask, prompt, { numBeams, maxNewTokens: 12 });
      for (const r of rows) {
        const grams = r.slice(0, r.length - 2).map((_, i) => r.slice(i, i + 3).join(','));
        expect(new Set(grams).size, JSON.stringify(r)).toBe(grams.length);
      }
      // The same weights without the ban repeat (see the recorded rows above): the ban changed them.
      expect(rows).not.toEqual(await generate(model, batch.inputIds, batch.attentionMask, prompt, { numBeams, maxNewTokens: 12 }));
    }
    banned.dispose();
    disposeBatch(batch);
  });

  it('min_length keeps </s> out until the row (start token included) is that long', async () => {
    // The same weights with </s> made likely, so rows end early unless min_length stops them.
    const weights = randomWeights(model.config, { seed: 11, std: 0.3 });
    const bias = weights.get('final_logits_bias')!.data as Float32Array;
    bias[model.config.eosTokenId] = bias[model.config.eosTokenId]! + 6;
    const eager = Bart.fromTensors(model.config, weights);
    const batch = encoderBatch();
    const eos = model.config.eosTokenId;
    for (const numBeams of [1, 4]) {
      const o = { numBeams, maxNewTokens: 20, convention: 'reference' as const, earlyStopping: false };
      const short = await generate(eager, batch.inputIds, batch.attentionMask, prompt, o);
      const longer = await generate(eager, batch.inputIds, batch.attentionMask, prompt, { ...o, minLength: 9 });
      expect(short.some((r) => r.indexOf(eos) >= 0 && r.indexOf(eos) + 2 < 9), JSON.stringify(short)).toBe(true);
      // </s> at index i of the new tokens makes the row (start + i tokens) i + 1 long before it.
      for (const r of longer) expect(r.indexOf(eos) === -1 || r.indexOf(eos) + 1 >= 9, JSON.stringify(r)).toBe(true);
    }
    eager.dispose();
    disposeBatch(batch);
  });

  it('length_penalty divides a hypothesis score by its length (start included, </s> not) to that power', async () => {
    const batch = encoderBatch();
    for (const lengthPenalty of [0, 1, 2]) {
      const { ids, scores } = await generateWithScores(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 4, maxNewTokens: 10, lengthPenalty, earlyStopping: false });
      const ll = teacherForced(ids);
      ids.forEach((r, b) => {
        const len = 1 + (r[r.length - 1] === model.config.eosTokenId ? r.length - 1 : r.length);
        expect(scores[b]).toBeCloseTo(ll[b]! / len ** lengthPenalty, 3);
      });
    }
    disposeBatch(batch);
  });

  it('the reference convention starts from <s>, forces <s> then </s> at the limit in beam search, and nothing in greedy', async () => {
    const batch = encoderBatch();
    const g = await generateWithScores(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 1, maxNewTokens: 10, convention: 'reference' });
    expect(g.startTokenId).toBe(model.config.bosTokenId);
    expect(g.ids.some((r) => r[0] !== model.config.bosTokenId)).toBe(true);
    const bm = await generateWithScores(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: 4, maxNewTokens: 10, convention: 'reference', earlyStopping: false });
    for (const r of bm.ids) {
      expect(r[0]).toBe(model.config.bosTokenId);
      if (r.length === 10) expect(r[9]).toBe(model.config.eosTokenId);
    }
    disposeBatch(batch);
  });
});
