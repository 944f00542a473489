// Decoding: the cached incremental decoder agrees with teacher forcing, beam search is at least
// as good as greedy under its own objective, and one beam is greedy.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Bart } from '../../../../src/engine/model/bart';
import { disposeBatch, makeBatch } from '../../../../src/engine/model/batch';
import { generate, generateWithScores } from '../../../../src/engine/model/decode';
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
