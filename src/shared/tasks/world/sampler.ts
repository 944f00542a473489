// The sampling helpers the task families draw with, over a seeded mulberry32 stream, so the task
// world is identical in Node, in a worker and across runs. Streams are keyed by fnv1a32 of a name
// (shared/hash.ts), so every task and split has its own.
import { mulberry32 } from '../../random';

export interface Sampler {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  /** k distinct elements in random order. */
  sample<T>(xs: readonly T[], k: number): T[];
  shuffle<T>(xs: readonly T[]): T[];
  chance(p: number): boolean;
}

/** A mulberry32 stream with the sampling helpers the task families use. */
export function makeSampler(seed: number): Sampler {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  const shuffle = <T>(xs: readonly T[]): T[] => {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => {
      if (xs.length === 0) throw new Error('Sampler.pick: empty list');
      return xs[int(0, xs.length - 1)]!;
    },
    sample: <T>(xs: readonly T[], k: number): T[] => {
      if (k > xs.length) throw new Error(`Sampler.sample: ${k} from a list of ${xs.length}`);
      return shuffle(xs).slice(0, k);
    },
    shuffle,
    chance: (p: number): boolean => next() < p,
  };
}
