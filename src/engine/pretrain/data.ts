// Corpus text -> token ids, and the seeded stream of training pairs (denoising documents, plus
// optional supervised multi-task pairs) that the pre-training loop consumes.
import type { TextCodec } from '../../shared/tokenizer/index';
import { taskPrefixed } from '../../shared/tasks/transform';
import { Rng, type RngState } from '../../shared/random';
import type { PretrainCorpus } from './corpus';
import { denoise, type DenoiseOptions } from './denoise';

export interface TokenPair {
  /** <s> ... </s> */
  readonly input: readonly number[];
  /** <s> ... </s> */
  readonly target: readonly number[];
}

export interface EncodedCorpus {
  /** Content token ids per document, without <s> / </s>. */
  readonly documents: readonly (readonly number[])[];
  /** Supervised pairs, " [task] input" -> output, both wrapped and cut to the limits. */
  readonly supervised: readonly TokenPair[];
}

export interface SpecialIds {
  readonly bos: number;
  readonly eos: number;
  readonly pad: number;
  readonly mask: number;
}

function strip(ids: readonly number[], s: SpecialIds): number[] {
  let a = 0;
  let b = ids.length;
  if (ids[a] === s.bos) a++;
  if (b > a && ids[b - 1] === s.eos) b--;
  return ids.slice(a, b);
}

export function specialIdsOf(codec: TextCodec): SpecialIds {
  const { bos, eos, pad, mask } = codec.specialIds;
  if (mask === null) throw new Error('pre-training needs a tokenizer with a <mask> token');
  return { bos, eos, pad, mask };
}

/**
 * Ids of the tokens that end a sentence ("." "?" "!", bare or with the leading space the
 * byte-level pre-tokenizer attaches) for sentence permutation. The world's text separates
 * punctuation by spaces, so these single-token spellings are the ones that occur.
 */
export function sentenceEndIds(codec: TextCodec): number[] {
  const s = specialIdsOf(codec);
  const out = new Set<number>();
  for (const p of ['.', '?', '!']) {
    for (const text of [p, ` ${p}`]) {
      const ids = strip(codec.encode(text), s);
      if (ids.length === 1) out.add(ids[0]!);
    }
  }
  return [...out].sort((a, b) => a - b);
}

export interface EncodeLimits {
  /** Longest encoder input including <s> </s> (documents longer than this minus 2 are windowed at sampling time). */
  readonly maxSourceTokens: number;
  readonly maxTargetTokens: number;
}

function wrapCut(ids: readonly number[], s: SpecialIds, max: number): number[] {
  return [s.bos, ...strip(ids, s).slice(0, Math.max(0, max - 2)), s.eos];
}

export function encodeCorpus(codec: TextCodec, corpus: Pick<PretrainCorpus, 'documents' | 'supervised'>, lim: EncodeLimits): EncodedCorpus {
  const s = specialIdsOf(codec);
  const documents = corpus.documents.map((d) => strip(codec.encode(d), s)).filter((d) => d.length > 0);
  const supervised = corpus.supervised.map((e) => ({
    // The reference's input format: " [task_name] input".
    input: wrapCut(codec.encode(taskPrefixed(e.task, e.input)), s, lim.maxSourceTokens),
    target: wrapCut(codec.encode(e.output), s, lim.maxTargetTokens),
  }));
  return { documents, supervised };
}

export interface SamplerOptions extends DenoiseOptions {
  readonly maxSourceTokens: number;
  readonly maxTargetTokens: number;
  /** Probability that a row is a supervised pair instead of a denoising one (needs supervised data). */
  readonly supervisedFraction: number;
}

/**
 * Draws training pairs with replacement. Its whole state is the RNG's four words, so a resumed
 * run continues the exact stream an uninterrupted run would have drawn.
 */
export class PairSampler {
  private rng: Rng;

  constructor(private readonly data: EncodedCorpus, private readonly specials: SpecialIds, private readonly o: SamplerOptions, state: number | RngState) {
    if (data.documents.length === 0) throw new Error('PairSampler: the encoded corpus has no documents');
    if (!(o.supervisedFraction >= 0 && o.supervisedFraction <= 1)) throw new Error(`supervisedFraction must be in [0, 1], got ${o.supervisedFraction}`);
    if (o.supervisedFraction > 0 && data.supervised.length === 0) {
      throw new Error('supervisedFraction > 0 but the corpus has no supervised pairs (build it with supervised: true)');
    }
    if (o.maxSourceTokens < 8 || o.maxTargetTokens < 8) throw new Error('maxSourceTokens and maxTargetTokens must be at least 8');
    this.rng = new Rng(state);
  }

  getState(): RngState {
    return this.rng.getState();
  }

  next(): TokenPair {
    const s = this.specials;
    if (this.o.supervisedFraction > 0 && this.rng.uniform() < this.o.supervisedFraction) {
      return this.data.supervised[this.rng.int(this.data.supervised.length)]!;
    }
    const doc = this.data.documents[this.rng.int(this.data.documents.length)]!;
    // A random window when the document is longer than the target allows.
    const room = Math.min(this.o.maxSourceTokens, this.o.maxTargetTokens) - 2;
    const start = doc.length > room ? this.rng.int(doc.length - room + 1) : 0;
    const window = doc.slice(start, start + room);
    const { source, target } = denoise(window, this.rng, this.o);
    // Zero-length spans add masks; cut the (rare) overflow rather than exceed the positions.
    return { input: [s.bos, ...source.slice(0, this.o.maxSourceTokens - 2), s.eos], target: [s.bos, ...target, s.eos] };
  }

  batch(n: number): TokenPair[] {
    return Array.from({ length: n }, () => this.next());
  }
}
