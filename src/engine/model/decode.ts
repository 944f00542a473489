// Greedy and beam-search decoding with the reference's (transformers 3.x) conventions:
// the decoder starts from decoder_start_token_id, forced_bos is forced at the first step,
// forced_eos when the length limit is reached; beams score hypotheses by
// sum(logp) / length^lengthPenalty where length counts the start token but not the final </s>.
// The encoder runs once; the decoder runs one token per step with cached keys/values.
import * as tf from '@tensorflow/tfjs';
import type { Bart, Prompt } from './bart';

export interface GenerateOptions {
  /** 1 = greedy. The reference evaluates with 4. */
  numBeams?: number;
  /** Tokens generated after the decoder start token (reference max_length 64 = 63 new tokens + start). */
  maxNewTokens?: number;
  /** Exponent of the length normalisation in beam search; 1 as in transformers. */
  lengthPenalty?: number;
  /** Stop a batch item as soon as numBeams hypotheses are finished (transformers early_stopping). */
  earlyStopping?: boolean;
  /** Run the beam-search code path even for numBeams 1 (tests compare it to greedy). */
  forceBeamSearch?: boolean;
}

export interface Generated {
  /** Per row: generated ids after the decoder start token, ending with </s> when one was produced. */
  ids: number[][];
  /** Per row: the sum of token log-probabilities (greedy) or the beam hypothesis score. */
  scores: number[];
}

/** Decodes a batch; returns per row the ids after the decoder start token (</s> included, no padding). */
export async function generate(model: Bart, inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, prompt: Prompt, opts?: GenerateOptions): Promise<number[][]> {
  return (await generateWithScores(model, inputIds, attentionMask, prompt, opts)).ids;
}

export async function generateWithScores(model: Bart, inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, prompt: Prompt, opts?: GenerateOptions): Promise<Generated> {
  const numBeams = opts?.numBeams ?? 4;
  const maxNew = opts?.maxNewTokens ?? 64;
  if (!Number.isInteger(numBeams) || numBeams < 1) throw new Error(`generate: numBeams must be a positive integer, got ${numBeams}`);
  if (!Number.isInteger(maxNew) || maxNew < 1) throw new Error(`generate: maxNewTokens must be a positive integer, got ${maxNew}`);
  const enc = model.encodeWithMask(inputIds, attentionMask, prompt);
  try {
    if (numBeams === 1 && !opts?.forceBeamSearch) return await greedy(model, enc.hidden, enc.mask, maxNew);
    return await beam(model, enc.hidden, enc.mask, numBeams, maxNew, opts?.lengthPenalty ?? 1, opts?.earlyStopping ?? true);
  } finally {
    enc.hidden.dispose();
    enc.mask.dispose();
  }
}

/** Log-probabilities [N, V] with the reference's forced tokens at the first and last step. */
function stepLogProbs(model: Bart, logits: tf.Tensor2D, step: number, maxNew: number): tf.Tensor2D {
  const c = model.config;
  const forced = step === 1 && c.forcedBosTokenId !== null ? c.forcedBosTokenId : step === maxNew && c.forcedEosTokenId !== null ? c.forcedEosTokenId : null;
  return tf.tidy(() => {
    const lp = tf.logSoftmax(logits);
    if (forced === null) return lp;
    const keep = tf.equal(tf.range(0, c.vocabSize, 1, 'int32'), forced).expandDims(0); // [1, V]
    return tf.where(keep.tile([lp.shape[0], 1]), lp, tf.fill(lp.shape, -Infinity)) as tf.Tensor2D;
  });
}

async function greedy(model: Bart, hidden: tf.Tensor3D, mask: tf.Tensor2D, maxNew: number): Promise<Generated> {
  const c = model.config;
  const N = hidden.shape[0];
  const cache = model.startCache(hidden, mask);
  const ids: number[][] = Array.from({ length: N }, () => []);
  const scores = new Array<number>(N).fill(0);
  const done = new Array<boolean>(N).fill(false);
  let cur = new Int32Array(N).fill(c.decoderStartTokenId);
  try {
    for (let step = 1; step <= maxNew && !done.every(Boolean); step++) {
      const [tok, val] = tf.tidy(() => {
        const logits = model.step(tf.tensor1d(cur, 'int32'), cache);
        const lp = stepLogProbs(model, logits, step, maxNew);
        const best = tf.argMax(lp, 1);
        return [best, tf.gather(lp.reshape([-1]), tf.range(0, N, 1, 'int32').mul(tf.scalar(c.vocabSize, 'int32')).add(best))];
      });
      const [t, v] = await Promise.all([tok.data(), val.data()]);
      tok.dispose();
      val.dispose();
      const next = new Int32Array(N);
      for (let n = 0; n < N; n++) {
        if (done[n]) {
          next[n] = c.padTokenId; // finished rows keep feeding pad, as the reference does
          continue;
        }
        next[n] = t[n]!;
        ids[n]!.push(t[n]!);
        scores[n]! += v[n]!;
        if (t[n] === c.eosTokenId) done[n] = true;
      }
      cur = next;
    }
  } finally {
    model.disposeCache(cache);
  }
  return { ids, scores };
}

class Hypotheses {
  readonly items: { score: number; ids: number[] }[] = [];
  worst = Infinity;
  constructor(readonly numBeams: number, readonly lengthPenalty: number, readonly earlyStopping: boolean) {}

  /** `length` is the reference's len(input_ids): the start token plus the tokens before any final </s>. */
  add(ids: number[], sumLogProbs: number, length: number): void {
    const score = sumLogProbs / length ** this.lengthPenalty;
    if (this.items.length < this.numBeams || score > this.worst) {
      this.items.push({ score, ids });
      if (this.items.length > this.numBeams) {
        let w = 0;
        this.items.forEach((h, i) => { if (h.score < this.items[w]!.score) w = i; });
        this.items.splice(w, 1);
      }
      this.worst = Math.min(...this.items.map((h) => h.score));
    }
  }

  isDone(bestSumLogProbs: number, curLen: number): boolean {
    if (this.items.length < this.numBeams) return false;
    if (this.earlyStopping) return true;
    return this.worst >= bestSumLogProbs / curLen ** this.lengthPenalty;
  }
}

async function beam(model: Bart, hidden: tf.Tensor3D, mask: tf.Tensor2D, K: number, maxNew: number, lengthPenalty: number, earlyStopping: boolean): Promise<Generated> {
  const c = model.config;
  const V = c.vocabSize;
  const B = hidden.shape[0];
  // Every row repeated K times: [B*K, ...]
  const rep = tf.tidy(() => tf.range(0, B, 1, 'int32').expandDims(1).tile([1, K]).reshape([B * K]) as tf.Tensor1D);
  const h = tf.gather(hidden, rep) as tf.Tensor3D; // [B*K, S, d]
  const m = tf.gather(mask, rep) as tf.Tensor2D; // [B*K, S]
  const cache = model.startCache(h, m);
  for (const x of [rep, h, m]) x.dispose();
  const hyps = Array.from({ length: B }, () => new Hypotheses(K, lengthPenalty, earlyStopping));
  const done = new Array<boolean>(B).fill(false);
  // Only the first beam of each item is live at the start, so the K copies don't fill the beam.
  let beamScores: number[] = Array.from({ length: B * K }, (_, i) => (i % K === 0 ? 0 : -1e9));
  let seqs: number[][] = Array.from({ length: B * K }, () => []); // tokens after the start token
  let cur = new Int32Array(B * K).fill(c.decoderStartTokenId);
  try {
    for (let step = 1; step <= maxNew; step++) {
      const [topV, topI] = tf.tidy(() => {
        const logits = model.step(tf.tensor1d(cur, 'int32'), cache);
        const lp = stepLogProbs(model, logits, step, maxNew).add(tf.tensor2d(beamScores, [B * K, 1])); // [B*K, V]
        const { values, indices } = tf.topk(lp.reshape([B, K * V]), 2 * K, true);
        return [values, indices];
      });
      const [vals, idxs] = await Promise.all([topV.data(), topI.data()]);
      topV.dispose();
      topI.dispose();
      const nextScores: number[] = [];
      const nextTokens: number[] = [];
      const nextRows: number[] = [];
      for (let b = 0; b < B; b++) {
        if (done[b]) {
          for (let k = 0; k < K; k++) {
            nextScores.push(0);
            nextTokens.push(c.padTokenId);
            nextRows.push(b * K);
          }
          continue;
        }
        let taken = 0;
        for (let r = 0; r < 2 * K && taken < K; r++) {
          const score = vals[b * 2 * K + r]!;
          const flat = idxs[b * 2 * K + r]!;
          const row = b * K + Math.floor(flat / V);
          const token = flat % V;
          if (token === c.eosTokenId) {
            if (r >= K) continue;
            hyps[b]!.add([...seqs[row]!, token], score, 1 + seqs[row]!.length);
          } else {
            nextScores.push(score);
            nextTokens.push(token);
            nextRows.push(row);
            taken++;
          }
        }
        while (taken < K) { // every candidate was a late </s>: pad with dead beams
          nextScores.push(-1e9);
          nextTokens.push(c.padTokenId);
          nextRows.push(b * K);
          taken++;
        }
        // ids length (start + tokens so far) is the reference's cur_len after this step's append.
        const best = Math.max(...Array.from(vals.subarray(b * 2 * K, b * 2 * K + 2 * K)));
        done[b] = done[b] || hyps[b]!.isDone(best, step);
      }
      if (done.every(Boolean)) break;
      seqs = nextRows.map((row, i) => [...seqs[row]!, nextTokens[i]!]);
      beamScores = nextScores;
      cur = Int32Array.from(nextTokens);
      const order = tf.tensor1d(nextRows, 'int32');
      model.reorderCache(cache, order);
      order.dispose();
      if (step === maxNew) {
        for (let b = 0; b < B; b++) {
          if (done[b]) continue;
          for (let k = 0; k < K; k++) hyps[b]!.add(seqs[b * K + k]!, beamScores[b * K + k]!, 1 + seqs[b * K + k]!.length);
        }
      }
    }
  } finally {
    model.disposeCache(cache);
  }
  const ids: number[][] = [];
  const scores: number[] = [];
  for (const h of hyps) {
    const best = h.items.reduce((a, x) => (x.score > a.score ? x : a), h.items[0] ?? { score: -Infinity, ids: [] });
    ids.push(best.ids);
    scores.push(best.score);
  }
  return { ids, scores };
}
