// Seeded random numbers for everything that must be reproducible across Node, workers and runs
// (Math.random cannot be seeded, and is never used on a path that must reproduce). Two generators,
// each feeding its own consumers, so neither stream may change:
//  - mulberry32: a bare uniform stream; task data (sampling, the task world) and random weights.
//  - Rng (sfc32): training loops and pretraining; its whole state is four uint32 words, so it can go
//    into a checkpoint and a resumed run draws exactly the numbers an uninterrupted one would.

/** mulberry32: 32-bit state, uniform in [0, 1), the same stream on every JS engine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Rng: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded through splitmix32 so
// nearby seeds give unrelated streams.

/** The whole state of an Rng: four uint32 words. */
export type RngState = readonly [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | RngState) {
    if (typeof seed === 'number') {
      if (!Number.isFinite(seed)) throw new RangeError(`Rng: seed must be a finite number, got ${seed}`);
      const sm = splitmix32(Math.trunc(seed) ^ Math.trunc(seed / 2 ** 32));
      this.a = sm(); this.b = sm(); this.c = sm(); this.d = sm();
      // Discard the first outputs: sfc32 mixes poorly for the first few draws.
      for (let i = 0; i < 12; i++) this.nextUint32();
    } else {
      if (seed.length !== 4 || seed.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
        throw new RangeError(`Rng: state must be four uint32 words, got ${JSON.stringify(seed)}`);
      }
      [this.a, this.b, this.c, this.d] = seed;
    }
  }

  getState(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal by Box-Muller; no cached spare, so the state is just the four words. */
  normal(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** n draws from N(mean, std^2) as float32. */
  normalArray(n: number, std: number, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!; p[i] = p[j]!; p[j] = t;
    }
    return p;
  }
}
