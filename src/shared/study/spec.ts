// What a study is: one model, a task split, a list of d_I and run seeds, phase settings. The one
// validator of a spec lives here and serves the CLI (study.json), the worker (the Run screen's
// request) and the engine's runner alike.
import { PRESETS, PRESET_NAMES, resolvePhases, type PhaseConfigs, type PhaseOverrides, type PresetName } from '../tuning/config';

/** IST's three challenges: training tasks on the data MSF saw, on unseen data, and unseen tasks. */
export type IstSetting = 'train_same' | 'train_diff' | 'test';
export const IST_SETTINGS: readonly IstSetting[] = ['train_same', 'train_diff', 'test'];

export interface StudySpec {
  readonly name: string;
  /** Model folder (CLI) or id (app); part of every result key. */
  readonly model: string;
  /**
   * `testOutOfDomain` (optional, a subset of `test`): the unseen tasks from the other side of a
   * cls / non-cls split (T_test^out of Table II); the rest of `test` is T_test^in. It only changes
   * how results are reported (test_in_ist / test_out_ist), never a unit or its key.
   */
  readonly tasks: { readonly train: readonly string[]; readonly test: readonly string[]; readonly testOutOfDomain?: readonly string[] };
  /** CrossFit data seed used by PT, MSF and IST train-same / unseen-task. */
  readonly dataSeed: number;
  /** Data seed of the train-diff IST runs (training tasks, unseen data). */
  readonly diffSeed: number;
  /** Empty: prompt tuning only (no MSF/IST, and no PT on `diffSeed`, which only train-diff IST needs). */
  readonly intrinsicDims: readonly number[];
  /** Run seeds (init and batch order); stability is the std over them. */
  readonly seeds: readonly number[];
  readonly preset?: PresetName;
  readonly phases?: PhaseOverrides;
  /** IST through an untrained Proj_b of the same shape (default true). */
  readonly randomSubspace?: boolean;
  /** PT on the test tasks initialised from IST's prompt (default false). */
  readonly iptInitPt?: boolean;
  /** Prefix inputs with " [task] " as the reference (default true). */
  readonly taskPrefix?: boolean;
  /** Full fine-tuning baseline on every task (default false; the runner needs a trainable model). */
  readonly fineTune?: boolean;
  /**
   * Multi-task PT (Table IV, the reference's run_multitask.py): one prompt trained on every
   * training task's examples at once, scored on each task (default false).
   */
  readonly multiTaskPt?: boolean;
  /**
   * Multi-task FT (Table IV, run_multitask.py without --do_prompt): every weight trained on every
   * training task's examples at once, scored on each task (default false; needs a trainable model).
   */
  readonly multiTaskFt?: boolean;
  /**
   * §V-A's Random_all baseline on the unseen tasks (default false): a random subspace of every
   * weight (phases.randomAll: its dimension, 100 as Tune_said.sh, and training settings).
   */
  readonly randomAll?: boolean;
  /**
   * Which IST challenges to run (default all three). Without "train_diff" no PT runs on
   * `diffSeed`; a study that only wants a subspace and its unseen-task score (the shipped
   * projector's) runs ["test"] and saves two PT runs per training task.
   */
  readonly istSettings?: readonly IstSetting[];
  /**
   * What unseen-data IST (train_diff_ist) is divided by. 'data-seed' (default, as the reference,
   * which prompt-tunes seed 100 only): PT on the data seed MSF used. 'diff-seed': PT on `diffSeed`
   * data, the same data IST ran on. Reporting only: the PT runs on `diffSeed` happen either way.
   */
  readonly unseenDataDenominator?: UnseenDataDenominator;
  /**
   * Content digests (digests.ts), part of every unit key when given: the model's weights, and each
   * task's data per data seed ("task@seed" -> digest). The CLI and the app's worker fill them in.
   */
  readonly modelDigest?: string;
  readonly taskDigests?: Readonly<Record<string, string>>;
  /**
   * K x kScale examples (per class) in train and dev of the built-in tasks (the paper's Fig. 6:
   * data scale x2, x4); default 1. Part of every key when not 1.
   */
  readonly kScale?: number;
}

export type UnseenDataDenominator = 'data-seed' | 'diff-seed';
export const UNSEEN_DATA_DENOMINATORS: readonly UnseenDataDenominator[] = ['data-seed', 'diff-seed'];

export class StudyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StudyError';
  }
}

/** The rules a spec must follow; throws a StudyError naming the first one broken. */
export function validateSpec(spec: StudySpec): void {
  const where = `study "${spec.name}"`;
  // No intrinsic dimension: a prompt-tuning-only study (PT of every task on the data seed, e.g. the PT table).
  if (spec.intrinsicDims.length && !spec.tasks.train.length) throw new StudyError(`${where}: tasks.train is empty`);
  if (!spec.tasks.train.length && !spec.tasks.test.length) throw new StudyError(`${where}: no tasks`);
  if (spec.intrinsicDims.some((d) => !Number.isInteger(d) || d <= 0)) throw new StudyError(`${where}: intrinsicDims must be positive integers, got ${JSON.stringify(spec.intrinsicDims)}`);
  if (!spec.seeds.length || spec.seeds.some((s) => !Number.isInteger(s))) throw new StudyError(`${where}: seeds must be integers, got ${JSON.stringify(spec.seeds)}`);
  const both = spec.tasks.train.filter((t) => spec.tasks.test.includes(t));
  if (both.length) throw new StudyError(`${where}: tasks in both train and test: ${both.join(', ')}`);
  if (spec.istSettings !== undefined && (!Array.isArray(spec.istSettings) || !spec.istSettings.length || spec.istSettings.some((x, i) => !IST_SETTINGS.includes(x) || spec.istSettings!.indexOf(x) !== i))) {
    throw new StudyError(`${where}: istSettings must list some of ${IST_SETTINGS.join(', ')}, each once, got ${JSON.stringify(spec.istSettings)}`);
  }
  const out = spec.tasks.testOutOfDomain;
  if (out !== undefined) {
    const stray = out.filter((t) => !spec.tasks.test.includes(t));
    if (stray.length) throw new StudyError(`${where}: tasks.testOutOfDomain must be test tasks; not in tasks.test: ${stray.join(', ')}`);
    const twice = out.filter((t, i) => out.indexOf(t) !== i);
    if (twice.length) throw new StudyError(`${where}: tasks.testOutOfDomain lists ${twice.join(', ')} more than once`);
  }
  if (spec.unseenDataDenominator !== undefined && !UNSEEN_DATA_DENOMINATORS.includes(spec.unseenDataDenominator)) {
    throw new StudyError(`${where}: unseenDataDenominator must be one of ${UNSEEN_DATA_DENOMINATORS.join(', ')}, got ${JSON.stringify(spec.unseenDataDenominator)}`);
  }
  if (spec.kScale !== undefined && !(Number.isInteger(spec.kScale) && spec.kScale >= 1 && spec.kScale <= 8)) throw new StudyError(`${where}: kScale must be an integer from 1 to 8, got ${JSON.stringify(spec.kScale)}`);
  if (spec.preset !== undefined && !Object.keys(PRESETS).includes(spec.preset)) throw new StudyError(`${where}: unknown preset "${spec.preset}" (use ${Object.keys(PRESETS).join(', ')})`);
}

/**
 * A spec from untrusted JSON (a study.json, a worker request): checks every field's type, fills the
 * defaults (data seed 100, diff seed 13, the name `defaultName` when given, else a name is
 * required), then applies validateSpec. `where` names the source in messages.
 */
export function parseStudySpec(raw: unknown, where: string, defaultName?: string): StudySpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new StudyError(`${where}: expected a JSON object`);
  const s = raw as Record<string, unknown>;
  const need = (k: string, ok: (v: unknown) => boolean, what: string) => {
    if (!ok(s[k])) throw new StudyError(`${where}: "${k}" must be ${what}, got ${JSON.stringify(s[k])}`);
  };
  const strs = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const ints = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x));
  const optional = (k: string, ok: (v: unknown) => boolean, what: string) => need(k, (v) => v === undefined || ok(v), what);
  const bool = (v: unknown) => typeof v === 'boolean';
  (defaultName === undefined ? need : optional)('name', (v) => typeof v === 'string' && v.trim() !== '', 'a non-empty string');
  need('model', (v) => typeof v === 'string' && v !== '', 'a model folder path or id');
  need('tasks', (v) => typeof v === 'object' && v !== null && strs((v as { train?: unknown }).train) && strs((v as { test?: unknown }).test ?? []) && strs((v as { testOutOfDomain?: unknown }).testOutOfDomain ?? []), '{"train": [names], "test": [names], "testOutOfDomain"?: [names]}');
  need('intrinsicDims', (v) => Array.isArray(v) && v.every((x) => Number.isInteger(x)), 'a list of integers (empty: prompt tuning only)');
  need('seeds', ints, 'a non-empty list of integers');
  optional('dataSeed', Number.isInteger, 'an integer');
  optional('diffSeed', Number.isInteger, 'an integer');
  optional('preset', (v) => PRESET_NAMES.includes(v as PresetName), `one of ${PRESET_NAMES.join(', ')}`);
  optional('phases', (v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'an object of per-phase settings');
  for (const k of ['randomSubspace', 'iptInitPt', 'taskPrefix', 'fineTune', 'multiTaskPt', 'multiTaskFt', 'randomAll']) optional(k, bool, 'true or false');
  optional('kScale', Number.isInteger, 'an integer');
  optional('modelDigest', (v) => typeof v === 'string' && /^[0-9a-f]{8,64}$/.test(v), 'a hex digest');
  optional('taskDigests', (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string' && /^[0-9a-f]{8,64}$/.test(x)), 'an object of "task@seed": hex digest');
  optional('unseenDataDenominator', (v) => UNSEEN_DATA_DENOMINATORS.includes(v as UnseenDataDenominator), `one of ${UNSEEN_DATA_DENOMINATORS.join(', ')}`);
  const tasks = s.tasks as { train: string[]; test?: string[]; testOutOfDomain?: string[] };
  const spec: StudySpec = {
    ...(s as unknown as StudySpec),
    name: typeof s.name === 'string' ? s.name : defaultName!,
    tasks: { train: tasks.train, test: tasks.test ?? [], ...(tasks.testOutOfDomain ? { testOutOfDomain: tasks.testOutOfDomain } : {}) },
    dataSeed: (s.dataSeed as number | undefined) ?? 100,
    diffSeed: (s.diffSeed as number | undefined) ?? 13,
  };
  validateSpec(spec);
  return spec;
}

/** The phase settings a spec runs with: defaults <- its preset <- its overrides. */
export function studyPhases(spec: StudySpec): PhaseConfigs {
  return resolvePhases(spec.preset ? PRESETS[spec.preset] : undefined, spec.phases);
}
