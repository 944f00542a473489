// Checks a weights file's header against a BartConfig before any tensor data is read, so a wrong file
// fails in milliseconds with every problem named, instead of after a 558 MB download.
import { expectedWeights, type BartConfig } from '../model/config';
import { WeightsError, type WeightsProblem } from './errors';

/** What validation needs from a header: names, dtypes and shapes (a safetensors Header fits). */
export interface HeaderLike {
  readonly entries: readonly { readonly name: string; readonly dtype: string; readonly shape: readonly number[] }[];
}

/** Tied to model.shared.weight; PyTorch saves it only when the model was not BartModel. */
const TIED_OUTPUT = 'lm_head.weight';
const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

/**
 * Hugging Face name of a tensor in the BartForConditionalGeneration layout. Checkpoints saved from
 * BartModel lack the "model." prefix (from_pretrained adds it); accept both so either loads.
 */
export function canonicalTensorName(name: string): string {
  if (/^(shared|encoder|decoder)\./.test(name)) return `model.${name}`;
  return name;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Every way the header disagrees with the config: missing required tensors, tensors the config does
 * not know, shapes that differ, non-float weights. Empty when the checkpoint fits. Names are
 * compared after canonicalTensorName.
 */
export function validateWeights(config: BartConfig, header: HeaderLike): WeightsProblem[] {
  const problems: WeightsProblem[] = [];
  const present = new Map<string, { dtype: string; shape: readonly number[] }>();
  for (const e of header.entries) present.set(canonicalTensorName(e.name), e);
  const expected = expectedWeights(config);
  const known = new Set(expected.map((e) => e.name));
  for (const want of expected) {
    const got = present.get(want.name);
    if (!got) {
      if (!want.optional) problems.push({ kind: 'missing', tensor: want.name, expected: want.shape });
      continue;
    }
    if (!sameShape(got.shape, want.shape)) problems.push({ kind: 'shape', tensor: want.name, shape: got.shape, expected: want.shape });
    else if (!FLOAT_DTYPES.has(got.dtype)) problems.push({ kind: 'dtype', tensor: want.name, dtype: got.dtype });
  }
  for (const [name, e] of present) {
    if (known.has(name)) continue;
    if (name === TIED_OUTPUT) {
      const shared = [config.vocabSize, config.dModel];
      if (!sameShape(e.shape, shared)) problems.push({ kind: 'shape', tensor: name, shape: e.shape, expected: shared });
      continue;
    }
    problems.push({ kind: 'unexpected', tensor: name, shape: e.shape });
  }
  return problems;
}

export function describeProblem(p: WeightsProblem): string {
  switch (p.kind) {
    case 'missing': return `missing tensor "${p.tensor}" (expected ${fmt(p.expected)})`;
    case 'unexpected': return `unexpected tensor "${p.tensor}" ${fmt(p.shape)}, not part of this config`;
    case 'shape': return `tensor "${p.tensor}" has shape ${fmt(p.shape)} but the config needs ${fmt(p.expected)}`;
    case 'dtype': return `tensor "${p.tensor}" has dtype ${p.dtype}; weights must be floating point`;
  }
}

/** Throws a WeightsError ('weights-mismatch') listing the problems (the first 12 in the message). */
export function assertWeightsMatch(config: BartConfig, header: HeaderLike, source = 'model.safetensors'): void {
  const problems = validateWeights(config, header);
  if (problems.length === 0) return;
  const shown = problems.slice(0, 12).map((p) => `  - ${describeProblem(p)}`);
  if (problems.length > shown.length) shown.push(`  ... and ${problems.length - shown.length} more`);
  throw new WeightsError(
    'weights-mismatch',
    `${source} does not match config.json (d_model ${config.dModel}, vocab ${config.vocabSize}, ` +
      `${config.encoderLayers}+${config.decoderLayers} layers): ${problems.length} problem(s)\n${shown.join('\n')}`,
    { file: source, tensor: problems[0]!.tensor, problems },
  );
}

/**
 * Throws a WeightsError ('non-finite') naming the first tensor holding a NaN or ±Infinity: such a
 * model would load as ready and then produce NaN for every input. One pass over the data.
 */
export function assertFiniteWeights(tensors: ReadonlyMap<string, { readonly dtype: string; readonly data: ArrayLike<number> }>, source = 'model.safetensors'): void {
  for (const [name, t] of tensors) {
    if (t.dtype !== 'F32') continue;
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      const x = d[i]!;
      // x - x is 0 for every finite x and NaN for NaN and ±Infinity.
      if (x - x !== 0) {
        throw new WeightsError('non-finite', `${source}: tensor "${name}" holds ${x} at flat index ${i}; the weights are damaged (a diverged training run, or a bad conversion)`, { file: source, tensor: name });
      }
    }
  }
}
