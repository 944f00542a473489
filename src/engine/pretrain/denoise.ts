// BART's denoising objective (Lewis et al. 2020, sec. 2.2 and 5.1) over token id arrays:
//  - sentence permutation: the document is split at sentence-ending tokens and the pieces shuffled;
//  - text infilling: span lengths are drawn from Poisson(lambda = 3) until ~30% of the tokens are
//    covered; each span is replaced by ONE <mask>, so the model must also predict how many tokens
//    are missing. A span of length 0 inserts a <mask> without removing anything.
// The decoder target is always the original, un-noised text. All randomness comes from the
// seeded Rng passed in, so an example is a pure function of (tokens, rng state, options).
//
// Differences from fairseq's DenoisingDataset, on purpose: spans never overlap or touch (each sits
// in its own gap between kept tokens, so every <mask> stands for exactly one span), and exactly
// round(ratio * n) tokens are removed (fairseq lands near, not on, the ratio). No random-token
// replacement of masks (fairseq's mask_random), which BART's text-infilling ablation did not use.
// Functions work on content tokens only: the caller adds <s> ... </s> around source and target.
import { Rng } from '../../shared/random';

export class DenoiseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DenoiseError';
  }
}

export interface InfillOptions {
  /** Token that replaces each span (`<mask>`); must not occur in the input. */
  readonly maskTokenId: number;
  /** Fraction of tokens removed; BART: 0.3. */
  readonly maskRatio: number;
  /** Mean span length; BART: 3. */
  readonly poissonLambda: number;
}

export interface DenoiseOptions extends InfillOptions {
  /** Tokens that end a sentence (e.g. the ids of ".", "?", "!"); empty = no permutation. */
  readonly sentenceEndIds: readonly number[];
  /** Probability that a document's sentences are permuted; BART: 1. */
  readonly permuteProbability: number;
}

/** A removed span in the coordinates of the infilling input: tokens [start, start + length). */
export interface Span {
  readonly start: number;
  readonly length: number;
}

export interface InfillResult {
  readonly tokens: number[];
  /** Sorted by start, one per <mask> in `tokens`, in the same order. */
  readonly spans: Span[];
}

/** One draw from Poisson(lambda) (Knuth's product of uniforms; fine for the small lambdas used). */
export function samplePoisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0) || lambda > 30) throw new DenoiseError(`samplePoisson: lambda must be in (0, 30], got ${lambda}`);
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng.uniform();
  while (p > limit) {
    k++;
    p *= rng.uniform();
  }
  return k;
}

/**
 * Span lengths summing exactly to `total`: Poisson draws until the sum reaches it, the last one
 * trimmed. Zero-length draws stay (they become pure insertions of <mask>).
 */
export function sampleSpanLengths(rng: Rng, total: number, lambda: number): number[] {
  const lengths: number[] = [];
  let sum = 0;
  // Guard against pathological loops: with lambda > 0 the expected number of draws is total / lambda.
  while (sum < total) {
    const l = samplePoisson(rng, lambda);
    lengths.push(Math.min(l, total - sum));
    sum += l;
    if (lengths.length > 16 * (total + 16)) throw new DenoiseError('sampleSpanLengths: too many draws (lambda too small?)');
  }
  return lengths;
}

function checkOptions(o: InfillOptions): void {
  if (!(o.maskRatio >= 0 && o.maskRatio < 1)) throw new DenoiseError(`maskRatio must be in [0, 1), got ${o.maskRatio}`);
  if (!Number.isInteger(o.maskTokenId) || o.maskTokenId < 0) throw new DenoiseError(`maskTokenId must be a token id, got ${o.maskTokenId}`);
}

/**
 * BART text infilling. Removes round(maskRatio * n) tokens in Poisson-length spans placed in
 * distinct random gaps between the kept tokens, each span becoming one `maskTokenId`.
 */
export function textInfill(tokens: readonly number[], rng: Rng, options: InfillOptions): InfillResult {
  checkOptions(options);
  const n = tokens.length;
  if (tokens.includes(options.maskTokenId)) {
    throw new DenoiseError(`textInfill: the input already contains the mask token ${options.maskTokenId}`);
  }
  const numToMask = Math.round(n * options.maskRatio);
  if (n === 0 || numToMask === 0) return { tokens: tokens.slice(), spans: [] };
  let lengths = sampleSpanLengths(rng, numToMask, options.poissonLambda);
  const kept = n - numToMask;
  // Each span needs its own gap among the kept + 1 gaps; if there are more spans than gaps (only for
  // absurd ratios or tiny inputs) merge the surplus zero-length ones away first, then fold the rest.
  if (lengths.length > kept + 1) {
    const nonZero = lengths.filter((l) => l > 0);
    lengths = nonZero.length > 0 ? nonZero : [0];
    while (lengths.length > kept + 1) {
      const last = lengths.pop()!;
      lengths[lengths.length - 1]! += last;
    }
  }
  // Choose distinct gaps 0..kept (gap g sits before the g-th kept token), uniformly.
  const gaps = rng.permutation(kept + 1).slice(0, lengths.length).sort((a, b) => a - b);
  const out: number[] = [];
  const spans: Span[] = [];
  let src = 0; // position in `tokens`
  let keptSoFar = 0;
  for (let s = 0; s < lengths.length; s++) {
    const gap = gaps[s]!;
    while (keptSoFar < gap) {
      out.push(tokens[src++]!);
      keptSoFar++;
    }
    const length = lengths[s]!;
    spans.push({ start: src, length });
    out.push(options.maskTokenId);
    src += length;
  }
  while (src < n) out.push(tokens[src++]!);
  return { tokens: out, spans };
}

/**
 * Splits a document after every sentence-ending token (a trailing piece without one is a sentence
 * too) and returns the pieces in a random order. The concatenation is a permutation of the input.
 */
export function permuteSentences(tokens: readonly number[], sentenceEndIds: readonly number[], rng: Rng): number[] {
  const ends = new Set(sentenceEndIds);
  const sentences: number[][] = [];
  let current: number[] = [];
  for (const t of tokens) {
    current.push(t);
    if (ends.has(t)) {
      sentences.push(current);
      current = [];
    }
  }
  if (current.length > 0) sentences.push(current);
  if (sentences.length < 2) return tokens.slice();
  return rng.permutation(sentences.length).flatMap((i) => sentences[i]!);
}

export interface DenoisedExample {
  /** Encoder input content (no <s>/</s>): permuted, then infilled. */
  readonly source: number[];
  /** Decoder target content: the original tokens. */
  readonly target: number[];
}

/** BART's combined objective: sentence permutation, then text infilling; target = original. */
export function denoise(tokens: readonly number[], rng: Rng, options: DenoiseOptions): DenoisedExample {
  const p = options.permuteProbability;
  if (!(p >= 0 && p <= 1)) throw new DenoiseError(`permuteProbability must be in [0, 1], got ${p}`);
  // Always draw, so the random stream does not depend on whether the document has sentences.
  const doPermute = rng.uniform() < p;
  const permuted = doPermute && options.sentenceEndIds.length > 0 ? permuteSentences(tokens, options.sentenceEndIds, rng) : tokens.slice();
  const { tokens: source } = textInfill(permuted, rng, options);
  return { source, target: tokens.slice() };
}
