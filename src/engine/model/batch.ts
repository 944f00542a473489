// Token id lists -> a right-padded teacher-forced batch. Pad lengths to a few bucket sizes
// (opts.padTo) so backends that cache per-shape programs or buffers (WebGPU) see few shapes.
import * as tf from '@tensorflow/tfjs';
import type { BartConfig } from '../../shared/model/config';
import type { Seq2SeqBatch } from './bart';

export interface MakeBatchOptions {
  /** Pad every row to at least this many tokens (rows longer than this are an error). */
  padTo?: { input?: number; target?: number };
}

/**
 * Builds a batch from token ids. Targets are `<s> ... </s>`; the decoder input is the target
 * shifted right with decoderStartTokenId (`</s>`) first, which is what the reference's
 * shift_tokens_right produces for targets ending in `</s>`.
 */
export function makeBatch(config: BartConfig, pairs: readonly { input: readonly number[]; target: readonly number[] }[], opts?: MakeBatchOptions): Seq2SeqBatch {
  if (pairs.length === 0) throw new Error('makeBatch: no examples');
  const pad = config.padTokenId;
  const longest = (k: 'input' | 'target') => Math.max(...pairs.map((p) => p[k].length));
  const T = Math.max(longest('input'), opts?.padTo?.input ?? 0);
  const Tt = Math.max(longest('target'), opts?.padTo?.target ?? 0);
  for (const [k, limit] of [['input', opts?.padTo?.input], ['target', opts?.padTo?.target]] as const) {
    if (limit !== undefined && longest(k) > limit) throw new Error(`makeBatch: an ${k} has ${longest(k)} tokens, more than padTo.${k} ${limit}`);
  }
  pairs.forEach((p, i) => {
    if (p.input.length === 0 || p.target.length === 0) throw new Error(`makeBatch: example ${i} has an empty input or target`);
    for (const id of [...p.input, ...p.target]) {
      if (!Number.isInteger(id) || id < 0 || id >= config.vocabSize) throw new Error(`makeBatch: example ${i} holds token id ${id}, outside [0, ${config.vocabSize})`);
    }
  });
  const B = pairs.length;
  const ids = new Int32Array(B * T).fill(pad);
  const mask = new Int32Array(B * T);
  const labels = new Int32Array(B * Tt).fill(pad);
  const dec = new Int32Array(B * Tt).fill(pad);
  pairs.forEach((p, b) => {
    p.input.forEach((id, t) => {
      ids[b * T + t] = id;
      mask[b * T + t] = 1;
    });
    p.target.forEach((id, t) => {
      labels[b * Tt + t] = id;
      if (t + 1 < Tt) dec[b * Tt + t + 1] = id;
    });
    dec[b * Tt] = config.decoderStartTokenId;
  });
  return {
    inputIds: tf.tensor2d(ids, [B, T], 'int32'),
    attentionMask: tf.tensor2d(mask, [B, T], 'int32'),
    decoderInputIds: tf.tensor2d(dec, [B, Tt], 'int32'),
    labels: tf.tensor2d(labels, [B, Tt], 'int32'),
  };
}

export function disposeBatch(b: Seq2SeqBatch): void {
  b.inputIds.dispose();
  b.attentionMask.dispose();
  b.decoderInputIds.dispose();
  b.labels.dispose();
}
