// AdamW (Loshchilov & Hutter) with PyTorch's torch.optim.AdamW update order: decoupled weight
// decay first (p *= 1 - lr*wd), then p -= lr * m_hat / (sqrt(v_hat) + eps). The reference code
// tunes prompts with weight decay 0, so the default is 0.
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  lr: number;
  /** First-moment decay; PyTorch default. */
  beta1?: number;
  /** Second-moment decay; PyTorch default. */
  beta2?: number;
  /** Added to sqrt(v_hat); 1e-8 as in the reference runs. */
  eps?: number;
  /** Decoupled weight decay; 0 in the reference prompt-tuning runs. */
  weightDecay?: number;
  /** Per variable: whether weight decay applies to it (default: to all). */
  decays?: readonly boolean[];
}

export interface AdamWState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export class AdamW {
  readonly vars: readonly tf.Variable[];
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly decays: readonly boolean[] | undefined;
  private step = 0;
  private m: tf.Variable[];
  private v: tf.Variable[];

  constructor(vars: tf.Variable[], opts: AdamWOptions) {
    if (!(opts.lr >= 0)) throw new Error(`AdamW: lr must be >= 0, got ${opts.lr}`);
    this.vars = [...vars];
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    if (opts.decays && opts.decays.length !== vars.length) throw new Error(`AdamW: decays has ${opts.decays.length} entries for ${vars.length} variables`);
    this.decays = opts.decays;
    // tidy frees the zerosLike temporaries; the variables survive it.
    this.m = tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false)));
    this.v = tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false)));
  }

  get stepCount(): number {
    return this.step;
  }

  /** One update; `grads[i]` belongs to `vars[i]`. The caller keeps ownership of `grads`. */
  applyGradients(grads: readonly tf.Tensor[], lr = this.lr): void {
    if (grads.length !== this.vars.length) {
      throw new Error(`AdamW: got ${grads.length} gradients for ${this.vars.length} variables`);
    }
    this.step += 1;
    const t = this.step;
    const bc1 = 1 - this.beta1 ** t;
    const bc2 = 1 - this.beta2 ** t;
    tf.tidy(() => {
      this.vars.forEach((p, i) => {
        const g = grads[i]!;
        if (!arraysEqual(g.shape, p.shape)) {
          throw new Error(`AdamW: gradient ${i} has shape [${g.shape}] but variable "${p.name}" has [${p.shape}]`);
        }
        const m = this.m[i]!.mul(this.beta1).add(g.mul(1 - this.beta1));
        const v = this.v[i]!.mul(this.beta2).add(g.square().mul(1 - this.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const decayed = this.weightDecay !== 0 && (this.decays?.[i] ?? true) ? p.mul(1 - lr * this.weightDecay) : p;
        const denom = v.div(bc2).sqrt().add(this.eps);
        p.assign(decayed.sub(m.div(bc1).div(denom).mul(lr)));
      });
    });
  }

  async getState(): Promise<AdamWState> {
    const m = await Promise.all(this.m.map((x) => x.data() as Promise<Float32Array>));
    const v = await Promise.all(this.v.map((x) => x.data() as Promise<Float32Array>));
    return { step: this.step, m: m.map((a) => Float32Array.from(a)), v: v.map((a) => Float32Array.from(a)) };
  }

  setState(state: AdamWState): void {
    if (state.m.length !== this.vars.length || state.v.length !== this.vars.length) {
      throw new Error(`AdamW.setState: state holds ${state.m.length}/${state.v.length} moments for ${this.vars.length} variables`);
    }
    this.vars.forEach((p, i) => {
      for (const [name, arr, slot] of [['m', state.m[i]!, this.m[i]!], ['v', state.v[i]!, this.v[i]!]] as const) {
        if (arr.length !== p.size) throw new Error(`AdamW.setState: ${name}[${i}] has ${arr.length} values, variable has ${p.size}`);
        tf.tidy(() => slot.assign(tf.tensor(arr, p.shape, 'float32')));
      }
    });
    this.step = state.step;
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
    this.m = [];
    this.v = [];
  }
}

/**
 * torch.nn.utils.clip_grad_norm_: scale all gradients by min(1, maxNorm / (norm + 1e-6)).
 * Returns new tensors (the caller disposes both the inputs and the outputs) and the pre-clip norm.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: tf.Scalar } {
  return tf.tidy(() => {
    const sq = grads.map((g) => g.square().sum());
    const norm = (sq.length ? tf.addN(sq) : tf.scalar(0)).sqrt() as tf.Scalar;
    const coef = tf.minimum(tf.scalar(1), tf.scalar(maxNorm).div(norm.add(1e-6)));
    const clipped = grads.map((g) => g.mul(coef));
    return { clipped, norm };
  });
}

function arraysEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
