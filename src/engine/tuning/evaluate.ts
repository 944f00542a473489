// Dev/test evaluation as the reference does it: generate (beam search), decode, score with the
// task's CrossFit metric.
import * as tf from '@tensorflow/tfjs';
import type { Bart } from '../model/bart';
import { makeBatch, disposeBatch } from '../model/batch';
import { generate } from '../model/decode';
import { score } from '../../shared/metrics/index';
import type { Example, MetricName } from '../../shared/tasks/types';
import { bucket, decodeGenerated, encodeExample, maxInputLength } from '../../shared/tuning/data';
import type { TextCodec } from '../../shared/tokenizer/index';
import type { LoopConfig } from '../../shared/tuning/config';

/** The decoding and length settings of a phase's config, and whether inputs carry the task prefix. */
export interface EvalOptions extends Pick<LoopConfig, 'numBeams' | 'maxNewTokens' | 'decoding' | 'evalBatchSize' | 'maxInputTokens' | 'maxTargetTokens' | 'data'> {
  readonly taskPrefix?: boolean;
}

export interface EvalSet {
  readonly task: string;
  readonly metric: MetricName;
  readonly examples: readonly Example[];
}

/** Predictions for every example, with the prompt [P, d] (or none). */
export async function predict(model: Bart, codec: TextCodec, task: string, examples: readonly Example[], prompt: tf.Tensor2D | null, o: EvalOptions): Promise<string[]> {
  const c = model.config;
  const P = prompt ? prompt.shape[0] : 0;
  // Inputs are cut as in training (LoopConfig.data); the answers are only compared as text here.
  const lim = { maxInputTokens: o.maxInputTokens, maxTargetTokens: o.maxTargetTokens, promptTokens: P, taskPrefix: o.taskPrefix, conventions: o.data };
  const cap = maxInputLength(c, lim);
  const out: string[] = [];
  for (let i = 0; i < examples.length; i += o.evalBatchSize) {
    const chunk = examples.slice(i, i + o.evalBatchSize).map((ex) => encodeExample(codec, c, task, ex, lim));
    const longest = Math.max(...chunk.map((e) => e.input.length));
    const batch = makeBatch(c, chunk, { padTo: { input: bucket(longest, cap) } });
    try {
      // The reference passes early_stopping=False; the engine convention keeps the config's (or true).
      const convention = o.decoding === 'reference' ? { convention: 'reference' as const, earlyStopping: false } : {};
      const ids = await generate(model, batch.inputIds, batch.attentionMask, prompt, { numBeams: o.numBeams, maxNewTokens: o.maxNewTokens, ...convention });
      for (const row of ids) out.push(decodeGenerated(codec, c, row));
    } finally {
      disposeBatch(batch);
    }
  }
  return out;
}

export async function evaluateSet(model: Bart, codec: TextCodec, set: EvalSet, prompt: tf.Tensor2D | null, o: EvalOptions): Promise<{ score: number; predictions: string[] }> {
  if (set.examples.length === 0) throw new RangeError(`task "${set.task}": nothing to evaluate (empty split)`);
  const predictions = await predict(model, codec, set.task, set.examples, prompt, o);
  const golds = set.examples.map((e) => (e.outputs.length === 1 ? e.outputs[0]! : [...e.outputs]));
  return { score: score(set.metric, predictions, golds), predictions };
}
