// Random BART weights for tests and benchmarks: every tensor of expectedWeights(config)
// under its Hugging Face name. Weights ~ N(0, std) (BART's init_std 0.02), LayerNorm gains 1 and
// biases 0 as at initialisation, so activations keep a sane scale through the layers.
import { type BartConfig, expectedWeights } from './config';
import type { Tensor } from '../weights/safetensors';
import { mulberry32 } from '../random';

/** Fills a Float32Array with N(0, std) samples (Box-Muller). */
export function randomNormal(n: number, std: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export function randomWeights(config: BartConfig, opts?: { seed?: number; std?: number; includeFinalLogitsBias?: boolean }): Map<string, Tensor> {
  const rand = mulberry32(opts?.seed ?? 1);
  const std = opts?.std ?? 0.02;
  const out = new Map<string, Tensor>();
  for (const spec of expectedWeights(config)) {
    if (spec.name.endsWith('embed_tokens.weight')) continue; // tied to model.shared.weight
    if (spec.name === 'final_logits_bias' && !(opts?.includeFinalLogitsBias ?? true)) continue;
    const n = spec.shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (/layer_?norm[^.]*\.weight$/.test(spec.name)) data = new Float32Array(n).fill(1);
    else data = randomNormal(n, std, rand);
    out.set(spec.name, { dtype: 'F32', shape: spec.shape, data });
  }
  return out;
}
