// A small seeded PRNG so the task world is identical in Node, in a worker and across runs.
// (Math.random cannot be seeded.)
import { mulberry32 } from '../../random';

/** FNV-1a 32-bit hash of a string, used to give every task/split its own stream. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface Rng {
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
export function makeRng(seed: number): Rng {
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
      if (xs.length === 0) throw new Error('Rng.pick: empty list');
      return xs[int(0, xs.length - 1)]!;
    },
    sample: <T>(xs: readonly T[], k: number): T[] => {
      if (k > xs.length) throw new Error(`Rng.sample: ${k} from a list of ${xs.length}`);
      return shuffle(xs).slice(0, k);
    },
    shuffle,
    chance: (p: number): boolean => next() < p,
  };
}
