// Evaluation decodes as its phase config says: the paper preset's reference profile makes the
// reference's generate() call (4 beams, 63 new tokens, start <s>, early_stopping False, the
// config's n-gram ban); the other presets keep the engine convention.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Bart } from '../../../../src/engine/model/bart';
import { disposeBatch, makeBatch } from '../../../../src/engine/model/batch';
import { generate } from '../../../../src/engine/model/decode';
import { predict } from '../../../../src/engine/tuning/evaluate';
import { evalOptions } from '../../../../src/engine/tuning/phases';
import { parseBartConfig } from '../../../../src/shared/model/config';
import { PRESETS, resolvePhases } from '../../../../src/shared/tuning/config';
import { decodeGenerated, encodeExample } from '../../../../src/shared/tuning/data';
import { parseSafetensors } from '../../../../src/shared/weights/safetensors';
import { charCodec } from './support';

const FIXTURE = new URL('../../../fixtures/bart-parity/', import.meta.url);

describe('evaluation decoding follows the phase config', () => {
  it('the paper preset decodes with the reference call and the config\'s no_repeat_ngram_size; smoke does not', async () => {
    await tf.setBackend('cpu');
    // The parity model with facebook/bart-base's generation entry.
    const config = parseBartConfig({ ...JSON.parse(readFileSync(new URL('config.json', FIXTURE), 'utf8')), no_repeat_ngram_size: 3 });
    const model = Bart.fromTensors(config, parseSafetensors(readFileSync(new URL('model.safetensors', FIXTURE))).tensors);
    const examples = [{ input: 'abc', outputs: ['x'] }, { input: 'hello there', outputs: ['y'] }];
    const ctx = { model, codec: charCodec, taskPrefix: true };
    const paper = evalOptions(resolvePhases(PRESETS.paper).pt, ctx);
    expect([paper.numBeams, paper.maxNewTokens, paper.decoding]).toEqual([4, 63, 'reference']);
    const ours = await predict(model, charCodec, 't', examples, null, paper);
    const lim = { maxInputTokens: paper.maxInputTokens, maxTargetTokens: paper.maxTargetTokens, promptTokens: 0, taskPrefix: true };
    const batch = makeBatch(config, examples.map((ex) => encodeExample(charCodec, config, 't', ex, lim)));
    const reference = await generate(model, batch.inputIds, batch.attentionMask, null, { convention: 'reference', numBeams: 4, maxNewTokens: 63, earlyStopping: false });
    expect(ours).toEqual(reference.map((r) => decodeGenerated(charCodec, config, r)));
    // The same beams and length under the engine convention decode otherwise here.
    const engine = await predict(model, charCodec, 't', examples, null, { ...paper, decoding: undefined });
    expect(engine).not.toEqual(ours);
    // smoke: numBeams 1, maxNewTokens 16, engine convention.
    const smoke = evalOptions(resolvePhases(PRESETS.smoke).pt, ctx);
    expect([smoke.numBeams, smoke.maxNewTokens, smoke.decoding]).toEqual([1, 16, undefined]);
    disposeBatch(batch);
    model.dispose();
  });
});
