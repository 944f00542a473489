// §V-A's Random_all baseline: a random d-dimensional subspace of *every* weight of the model, as the
// reference's intrinsic.py (from Aghajanyan et al.'s SAID code) builds it for `run_singletask.py
// --do_said` (Tune_said.sh: d = 100, `intrinsic_dimension`, not the SAID variant):
//
//   theta_i = theta0_i + fastfood_i(z)[:D_i] / (divisor_i * sqrt(D_i / L_i)),   z in R^d, init 0
//   fastfood_i(z) = H G_i Pi_i H B_i pad(z, L_i)                                L_i = 2^ceil(log2 D_i)
//
// with one random (B_i in {-1, 1}, Pi_i a permutation, G_i ~ N(0, 1), divisor_i =
// sqrt(L_i * sum G_i^2)) per weight tensor, and H the unnormalised Walsh-Hadamard transform. Only z
// trains. Two details follow the reference on purpose:
// - its FastWalshHadamard's backward is H(dy) / sqrt(L), not the true H(dy): each tensor's share of
//   z's gradient is scaled by 1 / L_i. We compute the same gradient.
// - every parameter is projected, final_logits_bias not (it is a buffer in PyTorch, not a parameter),
//   and the tied embedding once (PyTorch's named_parameters lists it once).
// Tensors of the same L share one transform of shape [n, L], so a step runs a few dozen ops.
// H_L runs as a Kronecker product of blocks of at most 128 (hadamardRows).
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../shared/random';

/** The weights that are not parameters in the reference (buffers), so stay as they are. */
export const NOT_PROJECTED: readonly string[] = ['final_logits_bias'];

/** H_a, a = 2^k, from its definition: H[i][j] = (-1)^popcount(i & j). */
function hadamardMatrix(a: number): tf.Tensor2D {
  const h = new Float32Array(a * a);
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < a; j++) {
      let x = i & j;
      let odd = 0;
      for (; x; x &= x - 1) odd ^= 1;
      h[i * a + j] = odd ? -1 : 1;
    }
  }
  return tf.tensor2d(h, [a, a]);
}

/** The factors of L = 2^k as blocks of at most 2^7: H_L = H_a1 (x) H_a2 (x) ... (Kronecker). */
function hadamardFactors(L: number): number[] {
  const out: number[] = [];
  for (let bits = Math.log2(L); bits > 0; bits -= 7) out.push(2 ** Math.min(7, bits));
  return out;
}

/**
 * x [n, L] -> rows times H_L, unnormalised. As a Kronecker product: one small matmul per factor
 * over the last axis, then the axes rotated so the next factor comes last (wasm's split and concat
 * of a butterfly cost 10x more than these products).
 */
function hadamardRows(x: tf.Tensor2D, factors: readonly number[], H: ReadonlyMap<number, tf.Tensor2D>): tf.Tensor2D {
  const n = x.shape[0];
  return tf.tidy(() => {
    let y: tf.Tensor = x;
    let shape = [n, ...factors];
    for (let k = factors.length - 1; k >= 0; k--) {
      const a = shape[shape.length - 1]!;
      const prod = tf.reshape(tf.matMul(tf.reshape(y, [-1, a]), H.get(a)!), shape);
      // Bring the next factor to the end: [n, ..., a] -> [n, a, ...].
      const perm = [0, shape.length - 1, ...shape.slice(1, -1).map((_, i) => i + 1)];
      y = tf.transpose(prod, perm);
      shape = [n, a, ...shape.slice(1, -1)];
    }
    return tf.reshape(y, [n, -1]) as tf.Tensor2D;
  });
}

interface Group {
  readonly L: number;
  readonly names: string[];
  readonly sizes: number[];
  readonly B: tf.Tensor2D; // [n, L] of +-1
  readonly G: tf.Tensor2D; // [n, L]
  /** Row r's Pi as flat indices into [n * L], and its inverse (the gather's backward). */
  readonly perm: tf.Tensor1D;
  readonly inverse: tf.Tensor1D;
  readonly scale: tf.Tensor2D; // [n, 1]: 1 / (divisor * sqrt(D / L))
  readonly permute: (x: tf.Tensor1D) => tf.Tensor1D;
  /** The reference's FastWalshHadamard over rows: forward H x, backward H dy / sqrt(L) (see the header). */
  readonly hadamard: (x: tf.Tensor2D) => tf.Tensor2D;
}

export interface FastfoodOptions {
  /** d, the length of z. */
  readonly dim: number;
  /** Seeds B, Pi and G of every tensor, in the order of `base`. */
  readonly seed: number;
}

/** A frozen model's weights as functions of z: weights(z) = theta0 + P(z), differentiable in z. */
export class FastfoodSubspace {
  readonly dim: number;
  /** How many weights the projection reaches (every parameter). */
  readonly projectedWeights: number;
  private readonly groups: Group[] = [];
  /** H_a per factor size, shared by the groups. */
  private readonly blocks = new Map<number, tf.Tensor2D>();
  private readonly base: ReadonlyMap<string, tf.Tensor>;

  constructor(base: ReadonlyMap<string, tf.Tensor>, opts: FastfoodOptions) {
    if (!Number.isInteger(opts.dim) || opts.dim <= 0) throw new RangeError(`Random_all: the dimension must be a positive integer, got ${opts.dim}`);
    this.dim = opts.dim;
    this.base = base;
    const rng = new Rng(opts.seed);
    const byL = new Map<number, { names: string[]; sizes: number[]; B: Float32Array[]; G: Float32Array[]; Pi: Int32Array[]; scale: number[] }>();
    let projected = 0;
    for (const [name, t] of base) {
      if (NOT_PROJECTED.includes(name)) continue;
      const D = t.size;
      // intrinsic.py pads z to L; a tensor smaller than d is cut from the padded transform all the same.
      const L = 2 ** Math.ceil(Math.log2(Math.max(D, opts.dim)));
      const B = new Float32Array(L);
      for (let i = 0; i < L; i++) B[i] = rng.uniform() < 0.5 ? -1 : 1;
      const Pi = Int32Array.from(rng.permutation(L));
      const G = rng.normalArray(L, 1);
      let sq = 0;
      for (let i = 0; i < L; i++) sq += G[i]! * G[i]!;
      const divisor = Math.sqrt(L * sq);
      let g = byL.get(L);
      if (!g) byL.set(L, (g = { names: [], sizes: [], B: [], G: [], Pi: [], scale: [] }));
      g.names.push(name); g.sizes.push(D); g.B.push(B); g.G.push(G); g.Pi.push(Pi);
      g.scale.push(1 / (divisor * Math.sqrt(D / L)));
      projected += D;
    }
    this.projectedWeights = projected;
    for (const [L, g] of byL) {
      const n = g.names.length;
      const flat = (rows: Float32Array[]) => { const out = new Float32Array(n * L); rows.forEach((r, i) => out.set(r, i * L)); return out; };
      const perm = new Int32Array(n * L);
      const inverse = new Int32Array(n * L);
      g.Pi.forEach((pi, r) => {
        for (let j = 0; j < L; j++) {
          perm[r * L + j] = r * L + pi[j]!;
          inverse[r * L + pi[j]!] = r * L + j;
        }
      });
      const permT = tf.tensor1d(perm, 'int32');
      const invT = tf.tensor1d(inverse, 'int32');
      // out[j] = x[perm[j]], so dx[k] = dy[inverse[k]]: a gather both ways (no scatter kernel needed).
      const permute = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
        value: tf.gather(args[0] as tf.Tensor, permT),
        gradFunc: (dy: tf.Tensor) => tf.gather(dy, invT),
      })) as (x: tf.Tensor1D) => tf.Tensor1D;
      const factors = hadamardFactors(L);
      for (const a of factors) if (!this.blocks.has(a)) this.blocks.set(a, hadamardMatrix(a));
      const hadamard = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
        value: hadamardRows(args[0] as tf.Tensor2D, factors, this.blocks),
        gradFunc: (dy: tf.Tensor) => tf.tidy(() => tf.mul(hadamardRows(dy as tf.Tensor2D, factors, this.blocks), 1 / Math.sqrt(L))),
      })) as (x: tf.Tensor2D) => tf.Tensor2D;
      this.groups.push({
        L, names: g.names, sizes: g.sizes, hadamard,
        B: tf.tensor2d(flat(g.B), [n, L]), G: tf.tensor2d(flat(g.G), [n, L]),
        perm: permT, inverse: invT, scale: tf.tensor2d(g.scale, [n, 1]), permute,
      });
    }
  }

  /**
   * One tensor's projection as plain numbers (for inspection and the tests' independent check):
   * its B, Pi and G over L, and the factor the first D outputs are multiplied by.
   */
  projection(name: string): { L: number; B: Float32Array; Pi: Int32Array; G: Float32Array; scale: number } | null {
    for (const g of this.groups) {
      const r = g.names.indexOf(name);
      if (r < 0) continue;
      const row = <T extends Float32Array | Int32Array>(t: tf.Tensor) => (t.dataSync() as T).slice(r * g.L, (r + 1) * g.L) as T;
      const Pi = row<Int32Array>(g.perm).map((x) => x - r * g.L);
      return { L: g.L, B: row<Float32Array>(g.B), Pi, G: row<Float32Array>(g.G), scale: (g.scale.dataSync() as Float32Array)[r]! };
    }
    return null;
  }

  /** theta0 + P(z) for every weight (final_logits_bias as it is), under the base's names. New tensors. */
  weights(z: tf.Tensor1D): Map<string, tf.Tensor> {
    if (z.rank !== 1 || z.shape[0] !== this.dim) throw new RangeError(`Random_all: z must have shape [${this.dim}], got [${z.shape}]`);
    const out = new Map<string, tf.Tensor>();
    for (const g of this.groups) {
      const rows = tf.tidy(() => {
        const n = g.names.length;
        const padded = tf.pad(tf.reshape(z, [1, this.dim]), [[0, 0], [0, g.L - this.dim]]);
        const first = g.hadamard(tf.mul(padded, g.B) as tf.Tensor2D);
        const shuffled = tf.reshape(g.permute(tf.reshape(first, [n * g.L]) as tf.Tensor1D), [n, g.L]);
        const second = g.hadamard(tf.mul(shuffled, g.G) as tf.Tensor2D);
        return tf.mul(second, g.scale) as tf.Tensor2D;
      });
      g.names.forEach((name, r) => {
        const base = this.base.get(name)!;
        out.set(name, tf.tidy(() => tf.add(base, tf.reshape(tf.slice(rows, [r, 0], [1, g.sizes[r]!]), base.shape))));
      });
      rows.dispose();
    }
    for (const name of NOT_PROJECTED) {
      const t = this.base.get(name);
      if (t) out.set(name, tf.clone(t));
    }
    return out;
  }

  dispose(): void {
    for (const g of this.groups) for (const t of [g.B, g.G, g.perm, g.inverse, g.scale]) t.dispose();
    this.groups.length = 0;
    for (const h of this.blocks.values()) h.dispose();
    this.blocks.clear();
  }
}
