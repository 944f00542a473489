// Soft prompts as Hugging Face PEFT prompt-tuning adapters (`adapter_config.json` +
// `adapter_model.safetensors`), so a prompt tuned here loads with
// `PeftModel.from_pretrained(AutoModelForSeq2SeqLM.from_pretrained("facebook/bart-base"), dir)`.
//
// Convention (see README.md): our prompt is prepended to the ENCODER input only, as in the paper's
// reference code. PEFT sizes its prompt table num_virtual_tokens * num_transformer_submodules rows
// and, for SEQ_2_SEQ_LM prompt tuning, prepends rows [0, num_virtual_tokens) to the encoder input.
// We export num_transformer_submodules = 1, so the table is exactly our [P, d] prompt. On import of
// a 2-submodule adapter (PEFT's default for seq2seq) we take the first num_virtual_tokens rows, the
// ones PEFT feeds to the encoder, and report that the rest were dropped.

import { writeSafetensors } from '../weights/safetensors';
import { ArtifactError } from './errors';
import { expectFinite, readFloatFile } from './tensors';

/** The one tensor PEFT saves for prompt tuning (peft.utils.save_and_load.get_peft_model_state_dict). */
export const PEFT_PROMPT_KEY = 'prompt_embeddings';
export const PEFT_CONFIG_FILE = 'adapter_config.json';
export const PEFT_WEIGHTS_FILE = 'adapter_model.safetensors';

export interface PeftExportInput {
  /** Row-major [promptLength, dModel]. */
  readonly prompt: Float32Array;
  readonly promptLength: number;
  readonly dModel: number;
  /** Hub id of the base model; PEFT loads it from here. */
  readonly baseModel: string;
  /** BART's encoder_layers and encoder_attention_heads (PEFT records them; prompt tuning does not use them). */
  readonly numLayers: number;
  readonly numAttentionHeads: number;
}

export interface PeftAdapterFiles {
  readonly [PEFT_CONFIG_FILE]: string;
  readonly [PEFT_WEIGHTS_FILE]: Uint8Array;
}

/** The PromptTuningConfig fields PEFT writes (PeftConfig + PromptLearningConfig + PromptTuningConfig). */
export function peftPromptTuningConfig(input: Omit<PeftExportInput, 'prompt'>): Record<string, unknown> {
  return {
    auto_mapping: null,
    base_model_name_or_path: input.baseModel,
    inference_mode: true,
    num_attention_heads: input.numAttentionHeads,
    num_layers: input.numLayers,
    num_transformer_submodules: 1,
    num_virtual_tokens: input.promptLength,
    peft_type: 'PROMPT_TUNING',
    prompt_tuning_init: 'RANDOM',
    prompt_tuning_init_text: null,
    revision: null,
    task_type: 'SEQ_2_SEQ_LM',
    token_dim: input.dModel,
    tokenizer_kwargs: null,
    tokenizer_name_or_path: null,
  };
}

export function exportPeftPromptTuning(input: PeftExportInput): PeftAdapterFiles {
  const n = input.promptLength * input.dModel;
  if (input.prompt.length !== n) {
    throw new ArtifactError('shape-mismatch', `prompt has ${input.prompt.length} values, but [${input.promptLength}, ${input.dModel}] needs ${n}`);
  }
  expectFinite('prompt', input.prompt, '');
  const config = peftPromptTuningConfig(input);
  // PEFT writes the JSON with indent 2 and sorted keys; the keys above are already sorted.
  return {
    [PEFT_CONFIG_FILE]: `${JSON.stringify(config, null, 2)}\n`,
    // PEFT saves with metadata {"format": "pt"}; transformers/PEFT loaders expect it.
    [PEFT_WEIGHTS_FILE]: writeSafetensors({ [PEFT_PROMPT_KEY]: { shape: [input.promptLength, input.dModel], data: input.prompt } }, { format: 'pt' }),
  };
}

export interface PeftImported {
  readonly prompt: Float32Array;
  readonly promptLength: number;
  readonly dModel: number;
  readonly baseModel: string | null;
  /** Conversions made on the way in (e.g. decoder rows dropped), for the UI to show. */
  readonly notes: readonly string[];
}

export interface PeftImportOptions {
  /** Reject adapters for another width. */
  readonly expectDModel?: number;
  /** Named in error messages, e.g. the folder the files came from. */
  readonly source?: string;
}

export function importPeftPromptTuning(configText: string | unknown, weights: Uint8Array | ArrayBuffer, opts: PeftImportOptions = {}): PeftImported {
  const at = opts.source ? `${opts.source}: ` : '';
  const bad = (why: string): never => {
    throw new ArtifactError('bad-peft-adapter', `${at}${why}`);
  };
  let config: unknown = configText;
  if (typeof configText === 'string') {
    try {
      config = JSON.parse(configText);
    } catch (e) {
      bad(`${PEFT_CONFIG_FILE} is not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) bad(`${PEFT_CONFIG_FILE} must be a JSON object`);
  const c = config as Record<string, unknown>;
  if (c.peft_type !== 'PROMPT_TUNING') bad(`peft_type is ${JSON.stringify(c.peft_type)}; only PROMPT_TUNING adapters hold a soft prompt this app can use`);
  if (c.task_type !== 'SEQ_2_SEQ_LM' && c.task_type !== null && c.task_type !== undefined) {
    bad(`task_type is ${JSON.stringify(c.task_type)}; BART prompts are SEQ_2_SEQ_LM adapters`);
  }
  const posInt = (key: string): number => {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) bad(`"${key}" must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const P = posInt('num_virtual_tokens');
  const d = posInt('token_dim');
  const notes: string[] = [];
  // PEFT fills a missing value with 2 for SEQ_2_SEQ_LM (PeftModel._setup_prompt_encoder).
  let submodules: number;
  if (c.num_transformer_submodules === null || c.num_transformer_submodules === undefined) {
    submodules = c.task_type === 'SEQ_2_SEQ_LM' ? 2 : 1;
    notes.push(`num_transformer_submodules not set; assumed ${submodules} as PEFT does for task_type ${String(c.task_type)}`);
  } else {
    submodules = posInt('num_transformer_submodules');
  }
  if (submodules > 2) bad(`num_transformer_submodules is ${submodules}; an encoder-decoder has at most 2`);
  if (opts.expectDModel !== undefined && d !== opts.expectDModel) {
    throw new ArtifactError('shape-mismatch', `${at}token_dim is ${d}, but the loaded model has d_model ${opts.expectDModel}`);
  }

  const { tensors } = readFloatFile(weights, { source: opts.source ? `${opts.source}/${PEFT_WEIGHTS_FILE}` : PEFT_WEIGHTS_FILE });
  const t = tensors.get(PEFT_PROMPT_KEY);
  if (!t) bad(`${PEFT_WEIGHTS_FILE} has no "${PEFT_PROMPT_KEY}" tensor (it holds: ${[...tensors.keys()].join(', ') || 'nothing'})`);
  const table = t!;
  const rows = P * submodules;
  if (table.shape.length !== 2 || table.shape[0] !== rows || table.shape[1] !== d) {
    throw new ArtifactError('shape-mismatch', `${at}"${PEFT_PROMPT_KEY}" has shape ${JSON.stringify(table.shape)}, expected [${rows}, ${d}] (num_virtual_tokens ${P} x num_transformer_submodules ${submodules}, token_dim ${d})`);
  }
  const prompt = table.data.slice(0, P * d);
  expectFinite(PEFT_PROMPT_KEY, prompt, at);
  if (submodules === 2) {
    notes.push(`the adapter has ${rows} rows (encoder + decoder); kept the ${P} encoder rows PEFT prepends to the encoder input and dropped the ${P} decoder rows, since this app prompts the encoder only`);
  }
  const baseModel = typeof c.base_model_name_or_path === 'string' ? c.base_model_name_or_path : null;
  return { prompt, promptLength: P, dModel: d, baseModel, notes };
}
