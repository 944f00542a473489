// Greedy and beam-search decoding, in one of two conventions:
// - 'engine' (the default, what every preset but the paper's uses): the decoder starts from the
//   config's decoder_start_token_id (</s>), forced_bos_token_id is forced at the first step and
//   forced_eos_token_id when the length limit is reached, in greedy and beam search alike
//   (transformers 3.x/4.x logits processors).
// - 'reference': the paper's evaluation call on its vendored transformers 2.9
//   (modeling_utils.py generate / _generate_beam_search / _generate_no_beam_search):
//   decoder_start_token_id = bos (<s>, run_singletask.py passes it); BART's
//   prepare_scores_for_generation forces bos at cur_len 1 and eos at cur_len max_length - 1 in
//   beam search only; greedy forces nothing.
// Both: beams score hypotheses by sum(logp) / length^lengthPenalty where length counts the start
// token but not the final </s>; no_repeat_ngram_size bans (calc_banned_ngram_tokens) look at the
// whole row, start token included; min_length bans </s> while the row (start token included) is
// shorter. The encoder runs once; the decoder runs one token per step with cached keys/values.
import * as tf from '@tensorflow/tfjs';
import type { Bart, Prompt } from './bart';

export type DecodingConvention = 'engine' | 'reference';

export interface GenerateOptions {
  /** 1 = greedy. The reference evaluates with 4. */
  numBeams?: number;
  /** Tokens generated after the decoder start token (reference max_length 64 = 63 new tokens + start). */
  maxNewTokens?: number;
  /** Exponent of the length normalisation in beam search; default: the model config's (1). */
  lengthPenalty?: number;
  /** Stop a batch item as soon as numBeams hypotheses are finished (transformers early_stopping).
   *  Default: the config's early_stopping, else true. */
  earlyStopping?: boolean;
  /** Default: the model config's no_repeat_ngram_size (0 = off). */
  noRepeatNgramSize?: number;
  /** transformers' min_length (start token included); default: the model config's (0). */
  minLength?: number;
  /** Default 'engine'. */
  convention?: DecodingConvention;
  /** Run the beam-search code path even for numBeams 1 (tests compare it to greedy). */
  forceBeamSearch?: boolean;
}

export interface Hypothesis {
  /** Tokens after the start token, </s> included when the hypothesis ended with one. */
  readonly ids: number[];
  readonly score: number;
}

export interface Generated {
  /** Per row: generated ids after the decoder start token, ending with </s> when one was produced. */
  ids: number[][];
  /** Per row: the sum of token log-probabilities (greedy) or the beam hypothesis score. */
  scores: number[];
  /** The decoder start token the rows follow. */
  startTokenId: number;
  /** Beam search only: per row, the finished hypotheses kept, best first. */
  hypotheses?: Hypothesis[][];
}

/** Decodes a batch; returns per row the ids after the decoder start token (</s> included, no padding). */
export async function generate(model: Bart, inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, prompt: Prompt, opts?: GenerateOptions): Promise<number[][]> {
  return (await generateWithScores(model, inputIds, attentionMask, prompt, opts)).ids;
}

interface Settings {
  readonly maxNew: number;
  readonly ngram: number;
  readonly minLength: number;
  readonly reference: boolean;
  readonly start: number;
}

export async function generateWithScores(model: Bart, inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, prompt: Prompt, opts?: GenerateOptions): Promise<Generated> {
  const g = model.config.generation;
  const numBeams = opts?.numBeams ?? 4;
  const maxNew = opts?.maxNewTokens ?? 64;
  const ngram = opts?.noRepeatNgramSize ?? g.noRepeatNgramSize;
  const minLength = opts?.minLength ?? g.minLength;
  const convention = opts?.convention ?? 'engine';
  if (!Number.isInteger(numBeams) || numBeams < 1) throw new Error(`generate: numBeams must be a positive integer, got ${numBeams}`);
  if (!Number.isInteger(maxNew) || maxNew < 1) throw new Error(`generate: maxNewTokens must be a positive integer, got ${maxNew}`);
  if (!Number.isInteger(ngram) || ngram < 0) throw new Error(`generate: noRepeatNgramSize must be a non-negative integer, got ${ngram}`);
  if (!Number.isInteger(minLength) || minLength < 0) throw new Error(`generate: minLength must be a non-negative integer, got ${minLength}`);
  if (convention !== 'engine' && convention !== 'reference') throw new Error(`generate: convention must be "engine" or "reference", got ${String(convention)}`);
  const reference = convention === 'reference';
  const s: Settings = { maxNew, ngram, minLength, reference, start: reference ? model.config.bosTokenId : model.config.decoderStartTokenId };
  const enc = model.encodeWithMask(inputIds, attentionMask, prompt);
  try {
    if (numBeams === 1 && !opts?.forceBeamSearch) return await greedy(model, enc.hidden, enc.mask, s);
    return await beam(model, enc.hidden, enc.mask, numBeams, s, opts?.lengthPenalty ?? g.lengthPenalty, opts?.earlyStopping ?? g.earlyStopping ?? true);
  } finally {
    enc.hidden.dispose();
    enc.mask.dispose();
  }
}

/** The token forced before choosing new token number `step` (1-based), or null. */
function forcedToken(model: Bart, s: Settings, step: number, beamSearch: boolean): number | null {
  const c = model.config;
  if (s.reference) {
    // modeling_bart.py prepare_scores_for_generation, called from _generate_beam_search only;
    // cur_len == step, max_length == maxNew + 1.
    if (!beamSearch) return null;
    return step === 1 ? c.bosTokenId : step === s.maxNew ? c.eosTokenId : null;
  }
  return step === 1 && c.forcedBosTokenId !== null ? c.forcedBosTokenId : step === s.maxNew && c.forcedEosTokenId !== null ? c.forcedEosTokenId : null;
}

/** Tokens that would complete an n-gram already in `row` (start token included), as calc_banned_ngram_tokens. */
export function bannedNgramTokens(row: readonly number[], n: number): number[] {
  const curLen = row.length;
  if (n <= 0 || curLen + 1 < n) return [];
  const prefix = row.slice(curLen + 1 - n).join(',');
  const banned = new Set<number>();
  for (let i = 0; i + n <= curLen; i++) {
    if (row.slice(i, i + n - 1).join(',') === prefix) banned.add(row[i + n - 1]!);
  }
  return [...banned];
}

/** `x` [N, V] with -inf at the forced-away, n-gram-banned and min-length-banned entries. */
function constrain(model: Bart, s: Settings, x: tf.Tensor2D, step: number, rows: readonly (readonly number[])[], beamSearch: boolean): tf.Tensor2D {
  const c = model.config;
  const [N, V] = x.shape;
  const forced = forcedToken(model, s, step, beamSearch);
  const banned: number[] = [];
  if (s.ngram > 0) rows.forEach((row, r) => { for (const t of bannedNgramTokens(row, s.ngram)) banned.push(r * V + t); });
  if (step < s.minLength) for (let r = 0; r < N; r++) banned.push(r * V + c.eosTokenId);
  if (forced === null && banned.length === 0) return x;
  return tf.tidy(() => {
    let y: tf.Tensor2D = x;
    if (forced !== null) {
      const keep = tf.equal(tf.range(0, V, 1, 'int32'), forced).expandDims(0); // [1, V]
      y = tf.where(keep.tile([N, 1]), y, tf.fill(y.shape, -Infinity)) as tf.Tensor2D;
    }
    if (banned.length) {
      const uniq = [...new Set(banned)];
      const mask = tf.scatterND(tf.tensor2d(uniq, [uniq.length, 1], 'int32'), tf.fill([uniq.length], -Infinity), [N * V]);
      y = y.add(mask.reshape([N, V]));
    }
    return y;
  });
}

async function greedy(model: Bart, hidden: tf.Tensor3D, mask: tf.Tensor2D, s: Settings): Promise<Generated> {
  const c = model.config;
  const N = hidden.shape[0];
  const cache = model.startCache(hidden, mask);
  const ids: number[][] = Array.from({ length: N }, () => []);
  const scores = new Array<number>(N).fill(0);
  const done = new Array<boolean>(N).fill(false);
  let cur = new Int32Array(N).fill(s.start);
  try {
    for (let step = 1; step <= s.maxNew && !done.every(Boolean); step++) {
      const [tok, val] = tf.tidy(() => {
        const logits = model.step(tf.tensor1d(cur, 'int32'), cache);
        const lp = tf.logSoftmax(logits) as tf.Tensor2D;
        const rows = ids.map((r) => [s.start, ...r]);
        // The reference's greedy path bans on the raw logits and takes their argmax.
        const best = tf.argMax(constrain(model, s, s.reference ? logits : lp, step, rows, false), 1);
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
  return { ids, scores, startTokenId: s.start };
}

class Hypotheses {
  readonly items: Hypothesis[] = [];
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

async function beam(model: Bart, hidden: tf.Tensor3D, mask: tf.Tensor2D, K: number, s: Settings, lengthPenalty: number, earlyStopping: boolean): Promise<Generated> {
  const c = model.config;
  const V = c.vocabSize;
  const B = hidden.shape[0];
  const maxNew = s.maxNew;
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
  let cur = new Int32Array(B * K).fill(s.start);
  try {
    for (let step = 1; step <= maxNew; step++) {
      const [topV, topI] = tf.tidy(() => {
        const logits = model.step(tf.tensor1d(cur, 'int32'), cache);
        const rows = seqs.map((r) => [s.start, ...r]);
        const lp = constrain(model, s, tf.logSoftmax(logits) as tf.Tensor2D, step, rows, true).add(tf.tensor2d(beamScores, [B * K, 1])); // [B*K, V]
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
  const hypotheses: Hypothesis[][] = [];
  for (const h of hyps) {
    // The reference sorts by score (stable) and pops the last: on a tie the later hypothesis wins.
    const best = h.items.reduce((a, x) => (s.reference ? x.score >= a.score : x.score > a.score) ? x : a, h.items[0] ?? { score: -Infinity, ids: [] });
    ids.push(best.ids);
    scores.push(best.score);
    hypotheses.push(h.items.map((x, i) => ({ x, i })).sort((p, q) => q.x.score - p.x.score || q.i - p.i).map((p) => p.x));
  }
  return { ids, scores, startTokenId: s.start, hypotheses };
}

/**
 * The rows as the reference's generate() returns them ([B, width], start token included), from
 * `Generated` of the same call: beam search (modeling_utils.py, end of _generate_beam_search) pads
 * rows to min(longest + 1, maxLength) with </s> then pad when the best hypotheses differ in length,
 * else stacks them without </s>; greedy pads after </s> to the longest row.
 */
export function referenceRows(gen: Pick<Generated, 'ids' | 'startTokenId'>, beamSearch: boolean, maxLength: number, eos: number, pad: number): { shape: [number, number]; data: Int32Array } {
  const B = gen.ids.length;
  if (beamSearch) {
    const hyps = gen.ids.map((r) => [gen.startTokenId, ...(r[r.length - 1] === eos ? r.slice(0, -1) : r)]);
    const lens = hyps.map((r) => r.length);
    const same = lens.every((l) => l === lens[0]);
    const W = same ? lens[0] ?? 0 : Math.min(Math.max(...lens) + 1, maxLength);
    const data = new Int32Array(B * W).fill(pad);
    hyps.forEach((r, b) => {
      r.forEach((t, i) => (data[b * W + i] = t));
      if (!same && r.length < maxLength) data[b * W + r.length] = eos;
    });
    return { shape: [B, W], data };
  }
  const rows = gen.ids.map((r) => [gen.startTokenId, ...r]);
  const W = Math.max(...rows.map((r) => r.length));
  const data = new Int32Array(B * W).fill(pad);
  rows.forEach((r, b) => r.forEach((t, i) => (data[b * W + i] = t)));
  return { shape: [B, W], data };
}
