// The paper's released PyTorch files (thunlp/Intrinsic-Prompt-Tuning) as Intrinsic Lab artifacts:
//   - an MSF autoencoder checkpoint `best-ckpt.pt` ({global_step, model, scheduler, optimizer,
//     best_accuracy}; `model` holds prompt_W1..W3, perhaps under DataParallel's `module.`) becomes
//     a projector bundle (no training tasks: the checkpoint has no per-task vectors);
//   - a prompt `{task}_{K}_{seed}_best.pt` (a bare [P, d_model] tensor) becomes a soft prompt.
// Pure: bytes in, bytes out, so the app's Library import and the CLI share it.

import { TorchFileError } from '../torch/errors';
import { readTorchFile, type TorchFile, type TorchTensor } from '../torch/read';
import { ArtifactError, type ArtifactErrorCode } from './errors';
import type { ModelIdentity } from './identity';
import { where } from './metadata';
import { encodeProjectorBundle, inferProjectorDims, projectorFromNamed, REFERENCE_NAMES, validateProjectorWeights } from './projector';
import { encodeSoftPrompt } from './prompt';
import type { F32Tensor } from './tensors';

export interface TorchArtifact {
  readonly kind: 'projector' | 'prompt';
  /** The artifact's safetensors file. */
  readonly bytes: Uint8Array;
  /** What was converted and what was left out, for the user to read. */
  readonly notes: string[];
}

export interface TorchImportOptions {
  /** The model the artifact is for; its d_model must match the file's. */
  readonly identity: ModelIdentity;
  /** File name, named in errors and notes; a prompt's task is read from `{task}_{K}_{seed}_best.pt`. */
  readonly name?: string;
}

const FROM_TORCH: Record<TorchFileError['code'], ArtifactErrorCode> = {
  'not-torch': 'wrong-kind',
  truncated: 'truncated',
  'bad-zip': 'corrupt',
  'unsupported-compression': 'corrupt',
  'bad-pickle': 'corrupt',
  'unsupported-opcode': 'corrupt',
  'refused-global': 'corrupt',
  'bad-tensor': 'corrupt',
  'unsupported-dtype': 'unsupported-dtype',
  'unsupported-legacy': 'corrupt',
  'limit-exceeded': 'too-large',
};

/** The reference code's prompt table in every checkpoint: [100, d_model] whatever P is. */
const PROMPT_EMBEDDINGS = 'model.encoder.prompt_embeddings.weight';
const DATA_PARALLEL = 'module.';

function float32(t: TorchTensor, name: string, at: string): F32Tensor {
  if (!(t.data instanceof Float32Array)) {
    throw new ArtifactError('unsupported-dtype', `${at}tensor "${name}" is ${t.dtype}; projector and prompt weights are floating point (float32, float16 or bfloat16)`);
  }
  return { shape: t.shape, data: t.data };
}

/**
 * Converts a reference `.pt` file for `identity`'s model. Throws ArtifactError: the TorchFileError
 * of an unreadable or refused file (as `cause`, its code in the message), `wrong-kind` for a file
 * that is neither an autoencoder checkpoint nor a bare prompt, `shape-mismatch` for another d_model.
 */
export function torchFileToArtifact(bytes: Uint8Array, opts: TorchImportOptions): TorchArtifact {
  const at = where(opts.name);
  let file: TorchFile;
  try {
    file = readTorchFile(bytes, { source: opts.name });
  } catch (e) {
    if (e instanceof TorchFileError) throw new ArtifactError(FROM_TORCH[e.code], `${e.message} [${e.code}]`, { cause: e });
    throw e;
  }
  const format = file.format === 'zip' ? 'torch zip format, PyTorch >= 1.6' : 'legacy torch format, PyTorch < 1.6';
  const model = file.tensors.filter((t) => t.path.length === 2 && t.path[0] === 'model' && typeof t.path[1] === 'string');
  if (model.some((t) => (t.path[1] as string).endsWith(REFERENCE_NAMES.W3))) return projector(file, model, opts, at, format);
  if (file.tensors.length === 1 && file.tensors[0]!.path.length === 0) return prompt(file.tensors[0]!, opts, at, format);
  const top = file.containers.find((c) => c.path.length === 0);
  const holds = top?.keys ? `a ${top.type} with keys ${JSON.stringify(top.keys.slice(0, 8))}${top.keys.length > 8 ? '...' : ''}` : top ? `a ${top.type}` : `${file.tensors.length} tensors`;
  throw new ArtifactError('wrong-kind', `${at}holds ${holds}; expected a reference MSF checkpoint (a dict whose "model" holds prompt_W1..prompt_W3) or a bare prompt tensor [P, d_model]`);
}

function projector(file: TorchFile, model: TorchTensor[], opts: TorchImportOptions, at: string, format: string): TorchArtifact {
  const notes = [`read ${opts.name ?? 'the file'} (${format})`];
  const named = new Map<string, F32Tensor>();
  let stripped = 0;
  for (const t of model) {
    let key = t.path[1] as string;
    // IST strips the prefix the same way (run_multitask_AE.py) before loading.
    if (key.startsWith(DATA_PARALLEL)) {
      key = key.slice(DATA_PARALLEL.length);
      stripped++;
    }
    if (!key.startsWith('prompt_W') && key !== PROMPT_EMBEDDINGS) continue;
    if (named.has(key)) throw new ArtifactError('shape-mismatch', `${at}"model" holds "${key}" both with and without the "${DATA_PARALLEL}" prefix`);
    named.set(key, float32(t, key, at));
  }
  if (stripped > 0) notes.push(`stripped DataParallel's "${DATA_PARALLEL}" prefix from ${stripped} names`);
  const dModel = opts.identity.dModel;
  // The prompt table's width is the checkpoint model's d_model: a check the flat W3 cannot give.
  const table = named.get(PROMPT_EMBEDDINGS);
  if (table && table.shape.length === 2 && table.shape[1] !== dModel) {
    throw new ArtifactError('shape-mismatch', `${at}the checkpoint was trained on a model with d_model ${table.shape[1]} ("${PROMPT_EMBEDDINGS}" is ${JSON.stringify(table.shape)}), but ${opts.identity.modelId} has d_model ${dModel}`);
  }
  named.delete(PROMPT_EMBEDDINGS);
  const weights = projectorFromNamed(named, 'reference', opts.name);
  const dims = inferProjectorDims(weights, dModel, at);
  validateProjectorWeights(weights, dims, at, REFERENCE_NAMES);
  notes.push(`P = ${dims.promptLength} prompt tokens of d_model ${dims.dModel}, d_I = ${dims.intrinsicDim}, hidden width ${dims.hiddenSize}${weightsNote(weights.W1 !== undefined)}`);
  const other = file.tensors.length - model.length;
  if (other > 0) notes.push(`left out ${other} tensors outside "model" (the optimizer's state) and the scheduler state: training state, not the subspace`);
  const devices = [...new Set(file.tensors.map((t) => t.location).filter((l) => l !== 'cpu'))];
  if (devices.length > 0) notes.push(`some tensors were saved on ${devices.join(', ')}; read on the CPU`);
  notes.push('no training tasks: the checkpoint holds no per-task intrinsic vectors, so the map starts empty');
  const scalar = (key: string) => file.scalars.find((s) => s.path.length === 1 && s.path[0] === key)?.value;
  const trainConfig = { importedFrom: opts.name ?? null, source: 'thunlp/Intrinsic-Prompt-Tuning best-ckpt.pt', globalStep: scalar('global_step') ?? null, bestAccuracy: scalar('best_accuracy') ?? null };
  const bytes = encodeProjectorBundle({ identity: opts.identity, promptLength: dims.promptLength, weights, tasks: [], seed: null, trainConfig });
  return { kind: 'projector', bytes, notes };
}

function weightsNote(hasProj: boolean): string {
  return hasProj ? '; Proj (W1) kept, so prompts can be mapped into the subspace' : '; no Proj (W1): prompts cannot be mapped into the subspace';
}

function prompt(t: TorchTensor, opts: TorchImportOptions, at: string, format: string): TorchArtifact {
  const notes = [`read ${opts.name ?? 'the file'} (${format})`];
  const data = float32(t, 'prompt', at).data;
  const [P, d] = t.shape;
  if (t.shape.length !== 2 || P === undefined || d === undefined || P === 0) {
    throw new ArtifactError('shape-mismatch', `${at}a prompt file holds one [P, d_model] tensor; this one is ${JSON.stringify(t.shape)}`);
  }
  if (d !== opts.identity.dModel) {
    throw new ArtifactError('shape-mismatch', `${at}the prompt is [${P}, ${d}]: made for d_model ${d}, but ${opts.identity.modelId} has d_model ${opts.identity.dModel}`);
  }
  if (t.dtype !== 'float32') notes.push(`widened ${t.dtype} to float32`);
  if (t.location !== 'cpu') notes.push(`saved on ${t.location}; read on the CPU`);
  // tune_hps_singletask.py names prompts {task}_{K}_{data seed}_best.pt.
  const m = /(?:^|\/)([^/]+)_(\d+)_(\d+)_best\.pt$/.exec(opts.name ?? '');
  const task = m ? m[1]! : '';
  notes.push(m ? `task "${task}" (K = ${m[2]}, data seed ${m[3]}) from the file name` : 'no task: the file name is not {task}_{K}_{seed}_best.pt');
  notes.push(`${P} prompt tokens of d_model ${d}`);
  const bytes = encodeSoftPrompt({ identity: opts.identity, promptLength: P, prompt: data, task, seed: null });
  return { kind: 'prompt', bytes, notes };
}
