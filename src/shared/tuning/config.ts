// One typed config per phase. Defaults are the reference implementation's
// (thunlp/Intrinsic-Prompt-Tuning: tune_hps_singletask.py for PT, cli_multitask_AE.py for MSF/IST)
// unless a comment says otherwise. Presets are partial overrides; the resolved config is stored
// with every checkpoint and result.

/** What every training loop needs. */
export interface LoopConfig {
  /** Peak learning rate after warm-up. */
  readonly lr: number;
  /** Examples per optimiser step. */
  readonly batchSize: number;
  /** Optimiser steps in the phase; also the end of the linear decay. */
  readonly totalSteps: number;
  /** Linear warm-up from 0 to `lr` over this many steps. */
  readonly warmupSteps: number;
  /**
   * After warm-up: 'linear' decays to 0 at `totalSteps` (the reference uses transformers'
   * get_linear_schedule_with_warmup, i.e. linear decay), 'constant' keeps `lr`.
   */
  readonly schedule: 'linear' | 'constant';
  /** Clip the global gradient norm to this (reference --max_grad_norm 0.1). */
  readonly maxGradNorm: number;
  /** AdamW decoupled weight decay. The reference builds its prompt parameter groups without a
   *  weight_decay key, so transformers' AdamW uses its default 0.0 for PT/IST. */
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  /** Reference --adam_epsilon. */
  readonly adamEps: number;
  /** Label smoothing of the summed NLL (reference utils.label_smoothed_nll_loss, eps 0.1). */
  readonly labelSmoothing: number;
  /** Evaluate on dev every this many steps and keep the best checkpoint. */
  readonly evalEvery: number;
  /** Stop after this many evaluations without improvement (reference wait_step: effectively never). */
  readonly patience: number;
  /** Dev/test decoding (reference: beam 4, max_output_length 64 = 63 new tokens after the start token). */
  readonly numBeams: number;
  readonly maxNewTokens: number;
  /**
   * Decoding convention (src/engine/model/decode.ts): absent or 'engine', the engine's (start </s>,
   * forced <s>/</s>, early stopping); 'reference', the reference's transformers 2.9 call (start <s>,
   * forcing in beam search only, early_stopping False). Both take no_repeat_ngram_size, min_length
   * and length_penalty from the model's config.json. Optional and absent from the defaults so that
   * the unit keys of presets without it stay what they were (keys hash the resolved configs).
   */
  readonly decoding?: 'engine' | 'reference';
  /**
   * Training-time dropout: 'config', the model's config.json rates (dropout, attention_dropout,
   * activation_dropout) in every training step, as the reference trains in model.train(); absent or
   * 'off', none. Evaluation never drops. Optional and absent from the defaults, like `decoding`.
   */
  readonly dropout?: 'config' | 'off';
  /**
   * How examples become ids: absent or 'engine', the project's (the input alone cut to
   * maxInputTokens; the first gold answer; targets as written); 'reference', the reference's
   * dataloaders (thunlp/Intrinsic-Prompt-Tuning): the input cut to maxInputTokens - promptTokens
   * (512 - 100 = 412), a gold answer drawn at random each time a training example is drawn
   * (CrossFit's `np.random.choice` over the answers), and MSF and IST targets prefixed with a space
   * (`" " + item` in fewshot_gym_multitask_AE.py). Optional and absent from the defaults, like `decoding`.
   */
  readonly data?: 'engine' | 'reference';
  /** Examples per generate() call during evaluation. */
  readonly evalBatchSize: number;
  /** Encoder input ids are cut to this many tokens (reference max_input_length 512),
   *  and further so that prompt + input fit the model's learned positions. */
  readonly maxInputTokens: number;
  /** Target ids are cut to this many tokens. */
  readonly maxTargetTokens: number;
}

/**
 * When a training unit has diverged: `patience` consecutive steps whose training loss is above
 * `factor` times its start: the mean loss of the first `patience` batches at the initial parameters
 * (one batch alone may have short targets and make ordinary batches look diverged). The loop then
 * stops the unit with a DivergenceError and keeps the checkpoint from before the streak.
 * Why these numbers: the loss is label-smoothed NLL summed over target tokens, and LayerNorm bounds
 * what a runaway prompt can do to it, so a diverged run does not explode, it stalls above its
 * start (PT on the tiny test model at lr 1e6: 70 at step 1, then 92-105 for good), while a healthy
 * run falls below its start within a few steps (same model at lr 0.1: 70, 71.5, 46, 45, ...);
 * ten steps in a row filter out single hard batches, and a start averaged over ten batches keeps
 * an easy first batch from setting the bar low. Not fields of LoopConfig: unit keys hash the
 * phase configs, and a new field would orphan every stored result.
 */
export const DIVERGENCE = { factor: 1.25, patience: 10 } as const;

export interface PtConfig extends LoopConfig {
  /** Soft prompt length (reference prompt_num 100). */
  readonly promptTokens: number;
  /** Prompt init N(0, initStd^2) (reference: random normal 0.02, "random words are worse"). */
  readonly initStd: number;
  /** Optional grid search over lr x batch size, best dev score wins (reference
   *  learning_rate_list 1e-5 2e-5 5e-5 1e-4, bsz_list 2 4 8). Empty lists: a single run. */
  readonly gridLr: readonly number[];
  readonly gridBatchSize: readonly number[];
}

export interface MsfConfig extends LoopConfig {
  /** The autoencoder's hidden width of Proj_b (reference: 768). */
  readonly hidden: number;
  /** Weight of the reconstruction MSE next to the LM loss (reference alpha_AE 200). */
  readonly alpha: number;
}

export interface IstConfig extends LoopConfig {
  /** Intrinsic vector init N(0, initStd^2) (reference: 0.02). */
  readonly initStd: number;
  /**
   * Optional grid over lr x batch size, as PT's (the paper tunes IST over PT's grid); the best dev
   * score wins. Absent from the defaults, so the keys of presets without it stay as they were.
   */
  readonly gridLr?: readonly number[];
  readonly gridBatchSize?: readonly number[];
}

const LOOP_DEFAULTS: LoopConfig = {
  lr: 1e-4,
  batchSize: 8,
  totalSteps: 100_000,
  warmupSteps: 500,
  schedule: 'linear',
  maxGradNorm: 0.1,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.999,
  adamEps: 1e-8,
  labelSmoothing: 0.1,
  evalEvery: 2000,
  patience: Number.MAX_SAFE_INTEGER,
  numBeams: 4,
  maxNewTokens: 64,
  evalBatchSize: 32,
  maxInputTokens: 512,
  maxTargetTokens: 64,
};

export const PT_DEFAULTS: PtConfig = {
  ...LOOP_DEFAULTS,
  // Best cell of the reference grid is task-dependent; 1e-4 x 8 is its largest cell, used when no grid is given.
  lr: 1e-4,
  batchSize: 8,
  promptTokens: 100,
  initStd: 0.02,
  gridLr: [],
  gridBatchSize: [],
};

export const MSF_DEFAULTS: MsfConfig = {
  ...LOOP_DEFAULTS,
  // cli_multitask_AE.py: train_batch_size 32, learning_rate 3e-5, warmup_rate 0.06 of total_steps 100000.
  // Its --weight_decay 0.01 never reaches the prompt/AE parameters (run_multitask_AE.py's
  // get_params_for_prompt_optimization sets no weight_decay, so AdamW's default 0 applies): the paper
  // preset says 0. This default stays 0.01 because unit keys hash the resolved configs.
  lr: 3e-5,
  batchSize: 32,
  totalSteps: 100_000,
  warmupSteps: 6000,
  weightDecay: 0.01,
  evalEvery: 2000,
  hidden: 768,
  alpha: 200,
};

/** Full fine-tuning baseline: every weight trains, no prompt. */
export interface FtConfig extends LoopConfig {
  /**
   * Weights whose Hugging Face name contains one of these get no weight decay (run_singletask.py's
   * no_decay = ['bias', 'LayerNorm.weight']; in BART's names that matches the biases only, its
   * LayerNorms are `*_layer_norm` / `layernorm_embedding`, so their weights are decayed, as in
   * the reference). Absent: every weight decays (and the keys of presets without it stay as they were).
   */
  readonly noDecay?: readonly string[];
  /**
   * Optional grid over lr x batch size, as PT's (the reference searches FT over the same lists);
   * the best dev score wins. Absent from the defaults, so the keys of presets without it stay.
   */
  readonly gridLr?: readonly number[];
  readonly gridBatchSize?: readonly number[];
}

export const FT_DEFAULTS: FtConfig = {
  ...LOOP_DEFAULTS,
  // run_singletask.py's non-prompt branch: AdamW with weight decay 0.01, clip 0.1. Its no_decay
  // exemption is `noDecay`, set by the paper preset. The reference searches FT's learning rate and
  // batch size over the same grid as PT's (gridLr / gridBatchSize, set by the paper preset); by
  // default FT is one run at these values.
  lr: 2e-5,
  batchSize: 8,
  weightDecay: 0.01,
};

export const IST_DEFAULTS: IstConfig = {
  ...LOOP_DEFAULTS,
  // The reference tunes IST over a learning-rate x batch-size grid too (cli_multitask_AE.py
  // --learning_rate_list, --bsz_list): gridLr / gridBatchSize, set by the paper preset. By default
  // IST is one run at PT's 1e-4 x 8; the browser and smoke presets give IST a larger rate than PT.
  lr: 1e-4,
  batchSize: 8,
  initStd: 0.02,
};

/**
 * §V-A's Random_all baseline: a random `dim`-dimensional subspace of every weight (a Fastfood
 * transform per weight tensor, src/engine/subspace/fastfood.ts); only the `dim` numbers train.
 */
export interface RandomAllConfig extends LoopConfig {
  /** d, the subspace's dimension (Tune_said.sh: 100). */
  readonly dim: number;
}

export const RANDOM_ALL_DEFAULTS: RandomAllConfig = {
  ...LOOP_DEFAULTS,
  // example_scripts/Tune_said.sh: tune_hps_singletask.py --do_said --intrinsic_dim 100
  // --learning_rate_list 1e-5 --bsz_list 4 --total_steps 30000 --eval_period 1000 --warmup_steps 3000;
  // run_singletask.py's get_params_for_said_optimization gives weight decay 0. z starts at 0.
  lr: 1e-5,
  batchSize: 4,
  totalSteps: 30_000,
  warmupSteps: 3000,
  evalEvery: 1000,
  weightDecay: 0,
  dim: 100,
};

export interface PhaseConfigs {
  readonly pt: PtConfig;
  readonly msf: MsfConfig;
  readonly ist: IstConfig;
  readonly ft: FtConfig;
  readonly randomAll: RandomAllConfig;
}

export type PhaseOverrides = { readonly [K in keyof PhaseConfigs]?: Partial<PhaseConfigs[K]> };

/**
 * The reference's evaluation call, as a profile of the phase settings: run_singletask.py:262-267
 * generate(num_beams=4, max_length=64, early_stopping=False, decoder_start_token_id=bos); max_length
 * counts the start token, so 63 new tokens; no_repeat_ngram_size (3 for facebook/bart-base),
 * min_length and length_penalty come from the model's config.json. The embedded model's config has
 * none of these, so under this profile it decodes without an n-gram ban.
 */
export const REFERENCE_EVALUATION = { decoding: 'reference', numBeams: 4, maxNewTokens: 63 } as const satisfies Partial<LoopConfig>;

/**
 * The reference trains every phase in model.train(): the config's dropout rates apply (0.1 each for
 * bart-base); and its dataloaders' conventions (LoopConfig.data) shape the examples.
 */
const REFERENCE_TRAINING = { dropout: 'config', data: 'reference' } as const satisfies Partial<LoopConfig>;

/** The reference's PT grid (promptTune.sh: --learning_rate_list 1e-5 2e-5 5e-5 1e-4 --bsz_list 2 4 8). */
const REFERENCE_GRID = { gridLr: [1e-5, 2e-5, 5e-5, 1e-4], gridBatchSize: [2, 4, 8] } as const;

/**
 * Presets: partial overrides with the reason they exist.
 * - paper: the reference scripts' settings (thunlp/Intrinsic-Prompt-Tuning example_scripts; hours per
 *   task on bart-base in a browser), with the reference evaluation profile in every phase.
 * - browser: fewer steps and a short prompt so a 10-task study finishes in a tab in an evening;
 *   learning rates raised to compensate for the short schedule.
 * - smoke: a study that finishes in minutes on the embedded tiny model; for the quick studies (--quick,
 *   the app's Quick demo) and CI.
 */
export const PRESETS: Readonly<Record<'paper' | 'browser' | 'smoke', PhaseOverrides>> = {
  paper: {
    // example_scripts/promptTune.sh: tune_hps_singletask.py --learning_rate_list 1e-5 2e-5 5e-5 1e-4
    // --bsz_list 2 4 8 --total_steps 100000 --eval_period 1000 --warmup_steps 10000; best dev cell wins.
    pt: { ...REFERENCE_EVALUATION, ...REFERENCE_TRAINING, ...REFERENCE_GRID, totalSteps: 100_000, warmupSteps: 10_000, evalEvery: 1000 },
    // example_scripts/MSF_prompt.sh: cli_multitask_AE.py --train_batch_size 64 --total_steps 100000
    // --eval_period 5000; warm-up = warmup_rate 0.06 x total_steps; lr 3e-5 (cli default); weight decay 0
    // (see MSF_DEFAULTS).
    msf: { ...REFERENCE_EVALUATION, ...REFERENCE_TRAINING, batchSize: 64, weightDecay: 0, totalSteps: 100_000, warmupSteps: 6000, evalEvery: 5000, lr: 3e-5 },
    // example_scripts/IST_prompt.sh: --learning_rate_list 1e-5 --bsz_list 4 --total_steps 100000
    // --eval_period 1000 --wait_step 100000; warm-up 0.06 x 100000 (cli_multitask_AE.py warmup_rate).
    // The paper tunes IST over PT's grid (Sec. IV-A); the script runs one of its cells (1e-5 x 4,
    // kept as lr / batchSize). Best dev cell wins, as in PT.
    ist: { ...REFERENCE_EVALUATION, ...REFERENCE_TRAINING, ...REFERENCE_GRID, lr: 1e-5, batchSize: 4, totalSteps: 100_000, warmupSteps: 6000, evalEvery: 1000 },
    // Issue #15's table (the repository ships no FT script): 10,000 steps, dev every 100; weight decay
    // 0.01 without the no_decay names of run_singletask.py:92. One run at FT_DEFAULTS' lr/batch (no FT grid).
    ft: { ...REFERENCE_EVALUATION, ...REFERENCE_TRAINING, ...REFERENCE_GRID, totalSteps: 10_000, evalEvery: 100, weightDecay: 0.01, noDecay: ['bias', 'LayerNorm.weight'] },
    // Tune_said.sh (RANDOM_ALL_DEFAULTS), evaluated and trained as the reference.
    randomAll: { ...REFERENCE_EVALUATION, ...REFERENCE_TRAINING },
  },
  browser: {
    pt: { promptTokens: 20, totalSteps: 1000, warmupSteps: 50, evalEvery: 200, lr: 3e-3, numBeams: 1, maxNewTokens: 32 },
    msf: { totalSteps: 1000, warmupSteps: 60, evalEvery: 250, lr: 1e-3, hidden: 256, numBeams: 1, maxNewTokens: 32 },
    ist: { totalSteps: 500, warmupSteps: 25, evalEvery: 100, lr: 1e-2, numBeams: 1, maxNewTokens: 32 },
    ft: { totalSteps: 500, warmupSteps: 25, evalEvery: 100, lr: 1e-4, numBeams: 1, maxNewTokens: 32 },
    randomAll: { totalSteps: 500, warmupSteps: 25, evalEvery: 100, lr: 1e-3, batchSize: 8, numBeams: 1, maxNewTokens: 32 },
  },
  smoke: {
    // Tuned on the embedded model (intrinsic-bart-tiny) so the quick studies show the paper's effect in minutes.
    pt: { promptTokens: 8, totalSteps: 100, warmupSteps: 5, evalEvery: 50, lr: 5e-2, batchSize: 8, numBeams: 1, maxNewTokens: 16, schedule: 'constant' },
    msf: { totalSteps: 400, warmupSteps: 5, evalEvery: 400, lr: 1e-2, batchSize: 8, hidden: 64, numBeams: 1, maxNewTokens: 16, schedule: 'constant' },
    ist: { totalSteps: 100, warmupSteps: 4, evalEvery: 50, lr: 1e-1, batchSize: 8, numBeams: 1, maxNewTokens: 16, schedule: 'constant' },
    ft: { totalSteps: 40, warmupSteps: 4, evalEvery: 20, lr: 1e-3, batchSize: 4, numBeams: 1, maxNewTokens: 8, schedule: 'constant' },
    randomAll: { totalSteps: 100, warmupSteps: 4, evalEvery: 50, lr: 1e-2, batchSize: 8, numBeams: 1, maxNewTokens: 16, schedule: 'constant' },
  },
};

function checkLoop(c: LoopConfig, where: string): void {
  const pos = (k: keyof LoopConfig, int: boolean) => {
    const v = c[k] as unknown;
    if (typeof v !== 'number' || !(v > 0) || (int && !Number.isInteger(v))) {
      throw new RangeError(`${where}.${k} must be a positive ${int ? 'integer' : 'number'}, got ${JSON.stringify(v)}`);
    }
  };
  for (const k of ['batchSize', 'totalSteps', 'evalEvery', 'numBeams', 'maxNewTokens', 'evalBatchSize', 'maxInputTokens', 'maxTargetTokens', 'patience'] as const) pos(k, true);
  for (const k of ['lr', 'maxGradNorm', 'adamEps'] as const) pos(k, false);
  if (!Number.isInteger(c.warmupSteps) || c.warmupSteps < 0) throw new RangeError(`${where}.warmupSteps must be a non-negative integer, got ${c.warmupSteps}`);
  if (c.schedule !== 'linear' && c.schedule !== 'constant') throw new RangeError(`${where}.schedule must be "linear" or "constant", got ${JSON.stringify(c.schedule)}`);
  if (!(c.labelSmoothing >= 0 && c.labelSmoothing < 1)) throw new RangeError(`${where}.labelSmoothing must be in [0, 1), got ${c.labelSmoothing}`);
  if (!(c.weightDecay >= 0)) throw new RangeError(`${where}.weightDecay must be >= 0, got ${c.weightDecay}`);
  if (c.decoding !== undefined && c.decoding !== 'engine' && c.decoding !== 'reference') throw new RangeError(`${where}.decoding must be "engine" or "reference", got ${JSON.stringify(c.decoding)}`);
  if (c.dropout !== undefined && c.dropout !== 'config' && c.dropout !== 'off') throw new RangeError(`${where}.dropout must be "config" or "off", got ${JSON.stringify(c.dropout)}`);
  if (c.data !== undefined && c.data !== 'engine' && c.data !== 'reference') throw new RangeError(`${where}.data must be "engine" or "reference", got ${JSON.stringify(c.data)}`);
}

/** A grid is two lists of positive numbers (batch sizes whole), both empty or both not. */
function checkGrid(c: { readonly gridLr?: readonly number[]; readonly gridBatchSize?: readonly number[] }, where: string): void {
  const lr = c.gridLr ?? [];
  const bs = c.gridBatchSize ?? [];
  if (!Array.isArray(lr) || lr.some((x) => typeof x !== 'number' || !(x > 0))) throw new RangeError(`${where}.gridLr must be a list of positive numbers, got ${JSON.stringify(c.gridLr)}`);
  if (!Array.isArray(bs) || bs.some((x) => !Number.isInteger(x) || x <= 0)) throw new RangeError(`${where}.gridBatchSize must be a list of positive integers, got ${JSON.stringify(c.gridBatchSize)}`);
  if ((lr.length === 0) !== (bs.length === 0)) throw new RangeError(`${where}: gridLr and gridBatchSize go together (both empty: a single run), got ${lr.length} and ${bs.length} values`);
}

/** Defaults <- preset <- overrides, validated. */
export function resolvePhases(...layers: (PhaseOverrides | undefined)[]): PhaseConfigs {
  let pt: PtConfig = PT_DEFAULTS;
  let msf: MsfConfig = MSF_DEFAULTS;
  let ist: IstConfig = IST_DEFAULTS;
  let ft: FtConfig = FT_DEFAULTS;
  let randomAll: RandomAllConfig = RANDOM_ALL_DEFAULTS;
  // Optional settings are absent from the defaults (see LoopConfig.decoding) but known all the same.
  const known = {
    pt: new Set([...Object.keys(PT_DEFAULTS), 'decoding', 'dropout', 'data']), msf: new Set([...Object.keys(MSF_DEFAULTS), 'decoding', 'dropout', 'data']),
    ist: new Set([...Object.keys(IST_DEFAULTS), 'decoding', 'dropout', 'data', 'gridLr', 'gridBatchSize']), ft: new Set([...Object.keys(FT_DEFAULTS), 'decoding', 'dropout', 'data', 'noDecay', 'gridLr', 'gridBatchSize']),
    randomAll: new Set([...Object.keys(RANDOM_ALL_DEFAULTS), 'decoding', 'dropout', 'data']),
  };
  for (const l of layers) {
    if (!l) continue;
    for (const [phase, o] of Object.entries(l)) {
      const keys = known[phase as keyof typeof known];
      if (!keys) throw new RangeError(`unknown phase "${phase}" in the phase settings (use pt, msf, ist, ft, randomAll)`);
      // A misspelt setting would otherwise be ignored silently and the default used.
      for (const k of Object.keys(o ?? {})) if (!keys.has(k)) throw new RangeError(`${phase}.${k} is not a setting of ${phase} (settings: ${[...keys].join(', ')})`);
    }
    pt = { ...pt, ...l.pt };
    msf = { ...msf, ...l.msf };
    ist = { ...ist, ...l.ist };
    ft = { ...ft, ...l.ft };
    randomAll = { ...randomAll, ...l.randomAll };
  }
  checkLoop(pt, 'pt');
  checkLoop(msf, 'msf');
  checkLoop(ist, 'ist');
  checkLoop(ft, 'ft');
  checkLoop(randomAll, 'randomAll');
  if (!Number.isInteger(randomAll.dim) || randomAll.dim <= 0) throw new RangeError(`randomAll.dim must be a positive integer, got ${randomAll.dim}`);
  for (const [where, c] of [['pt', pt], ['ist', ist], ['ft', ft]] as const) checkGrid(c, where);
  if (ft.noDecay !== undefined && !(Array.isArray(ft.noDecay) && ft.noDecay.every((x) => typeof x === 'string' && x !== ''))) {
    throw new RangeError(`ft.noDecay must be a list of non-empty name parts, got ${JSON.stringify(ft.noDecay)}`);
  }
  if (!Number.isInteger(pt.promptTokens) || pt.promptTokens <= 0) throw new RangeError(`pt.promptTokens must be a positive integer, got ${pt.promptTokens}`);
  if (!Number.isInteger(msf.hidden) || msf.hidden <= 0) throw new RangeError(`msf.hidden must be a positive integer, got ${msf.hidden}`);
  if (!(msf.alpha >= 0)) throw new RangeError(`msf.alpha must be >= 0, got ${msf.alpha}`);
  return { pt, msf, ist, ft, randomAll };
}

/** Learning rate for optimiser step `step` (0-based), as transformers' schedules compute it. */
export function lrAt(step: number, c: Pick<LoopConfig, 'lr' | 'warmupSteps' | 'totalSteps' | 'schedule'>): number {
  // get_linear_schedule_with_warmup's lambda is evaluated at the scheduler's count before the
  // step, which is `step` here: 0 at the first step of a warm-up.
  if (step < c.warmupSteps) return (c.lr * step) / Math.max(1, c.warmupSteps);
  if (c.schedule === 'constant') return c.lr;
  return c.lr * Math.max(0, (c.totalSteps - step) / Math.max(1, c.totalSteps - c.warmupSteps));
}

export type PresetName = keyof typeof PRESETS;
/** The presets from the quickest to the paper's (the order the Run screen offers them). */
export const PRESET_NAMES: readonly PresetName[] = ['smoke', 'browser', 'paper'];
