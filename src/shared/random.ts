// Seeded uniform random numbers for everything that must be reproducible across Node, workers and
// runs (Math.random cannot be seeded). Training loops that checkpoint their RNG state use the
// richer `Rng` in tuning/rng.ts; data generation, sampling and random weights use this stream.

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
