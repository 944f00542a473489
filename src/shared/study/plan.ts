// The plan of a study: every unit of work it needs, in the order the runner walks them, with the
// key each unit's result is stored under. Pure: the runner (src/engine/study/run.ts) walks it, the
// tabulator (results.ts) reads the finished units through it, and the Run screen counts it for its
// estimate and progress bars. A unit's key holds everything that determines its result, so a
// rerun, a resumed study or a study that adds a d_I computes only what is missing.
//
// Per run seed, in order:          batch kind   items (one per task unless said)
//   PT of every task, data seed     pt           train + test; an item = the cells of the PT grid
//   PT of training tasks, diff seed pt_diff      train (not in PT-only studies)
//   multi-task PT                   mt_pt        one item: one prompt on every training task (spec.multiTaskPt)
//   multi-task FT                   mt_ft        one item: every weight on every training task (spec.multiTaskFt)
//   full fine-tuning baseline       ft           train + test (spec.fineTune); an item = its grid cells
//   subspace finding                msf          one item per d_I
//   intrinsic subspace tuning       ist          per d_I: train (same data), train (diff seed), test; an item = its grid cells
//   random-subspace baseline        random       per d_I: test (spec.randomSubspace, default on)
//   random subspace of every weight random_all   test (spec.randomAll, §V-A's Random_all)
//   PT initialised from IST         ipt_pt       per d_I: test, grid cells (spec.iptInitPt)
// Items in one batch are independent: runs that share a study (ipt --jobs) split each batch.
import { hashKey } from '../hash';
import type { PhaseConfigs } from '../tuning/config';
import { dataKey } from './digests';
import { IST_SETTINGS, studyPhases, validateSpec, type IstSetting, type StudySpec } from './spec';

/** What a unit trains (the progress bars' phases). */
export type StudyPhase = 'pt' | 'mt_pt' | 'mt_ft' | 'msf' | 'ist' | 'random' | 'random_all' | 'ipt_pt' | 'ft';
export const STUDY_PHASES: readonly StudyPhase[] = ['pt', 'mt_pt', 'ft', 'mt_ft', 'msf', 'ist', 'random', 'random_all', 'ipt_pt'];

/** What a batch does (PT runs twice per seed: on the data seed and on the diff seed). */
export type BatchKind = 'pt' | 'pt_diff' | 'mt_pt' | 'ft' | 'mt_ft' | 'msf' | 'ist' | 'random' | 'random_all' | 'ipt_pt';

export interface GridCell {
  readonly lr: number;
  readonly batchSize: number;
}

/** One unit of work: one training run whose result is stored under `key`. */
export interface PlannedUnit {
  readonly key: string;
  readonly phase: StudyPhase;
  /** Run seed (init and batch order). */
  readonly seed: number;
  readonly task?: string;
  /** CrossFit data seed of the task's examples. */
  readonly dataSeed?: number;
  readonly dI?: number;
  readonly setting?: IstSetting;
  /** PT, IPT-initialised PT, and IST and FT with a grid: the grid cell this unit trains. */
  readonly cell?: GridCell;
}

/** Units that belong together: the grid cells of one task's PT (the best dev score wins), or one unit. */
export interface PlanItem {
  readonly id: string;
  readonly kind: BatchKind;
  readonly seed: number;
  readonly task?: string;
  readonly dI?: number;
  readonly setting?: IstSetting;
  readonly units: readonly PlannedUnit[];
}

/** Items that depend only on earlier batches. */
export interface PlanBatch {
  readonly kind: BatchKind;
  readonly seed: number;
  readonly items: readonly PlanItem[];
}

export interface StudyPlan {
  readonly spec: StudySpec;
  readonly phases: PhaseConfigs;
  /** Whether inputs carry the " [task] " prefix (the spec's choice, else the model's default). */
  readonly taskPrefix: boolean;
  /** The PT grid: lr x batch size, or the single setting of phases.pt. */
  readonly grid: readonly GridCell[];
  readonly batches: readonly PlanBatch[];
  readonly unitsTotal: number;
  readonly unitsByPhase: Readonly<Record<StudyPhase, number>>;
}

/** Where the study stands, as the runner reports it after every step and every finished unit. */
export interface StudyProgress {
  readonly phase: StudyPhase;
  readonly unit: string;
  readonly task?: string;
  readonly dI?: number;
  readonly seed: number;
  readonly step?: number;
  readonly totalSteps?: number;
  readonly loss?: number;
  readonly devScore?: number;
  /** Units done / all units of the study (finished-and-reused ones count as done). */
  readonly unitsDone: number;
  readonly unitsTotal: number;
  /** Rough seconds left for the whole study, from the pace so far. */
  readonly etaSeconds?: number;
  readonly reused?: boolean;
}

/** The id of an item: what it is, for which seed, d_I, setting and task. */
export function itemId(kind: BatchKind, seed: number, at: { task?: string; dI?: number; setting?: IstSetting } = {}): string {
  return [kind, `r${seed}`, at.dI === undefined ? '' : `d${at.dI}`, at.setting ?? '', at.task ?? ''].join('/');
}

/** The lr x batch grid of a phase's resolved settings (PT, IST), or its single setting without one. */
export function ptGrid(c: { readonly lr: number; readonly batchSize: number; readonly gridLr?: readonly number[]; readonly gridBatchSize?: readonly number[] }): GridCell[] {
  const lr = c.gridLr ?? [];
  const bs = c.gridBatchSize ?? [];
  return lr.length && bs.length ? lr.flatMap((l) => bs.map((batchSize) => ({ lr: l, batchSize }))) : [{ lr: c.lr, batchSize: c.batchSize }];
}

/** The study's units in run order. `defaultTaskPrefix` applies when the spec does not say. */
export function planStudy(spec: StudySpec, defaultTaskPrefix = true): StudyPlan {
  validateSpec(spec);
  const phases = studyPhases(spec);
  const taskPrefix = spec.taskPrefix ?? defaultTaskPrefix;
  const grid = ptGrid(phases.pt);
  const istGrid = phases.ist.gridLr?.length && phases.ist.gridBatchSize?.length ? ptGrid(phases.ist) : null;
  const ftGrid = phases.ft.gridLr?.length && phases.ft.gridBatchSize?.length ? ptGrid(phases.ft) : null;
  const train = [...spec.tasks.train];
  const test = [...spec.tasks.test];
  const ptOnly = spec.intrinsicDims.length === 0;
  const settings = spec.istSettings ?? IST_SETTINGS;

  // Keys: unchanged since the first release for a spec without digests, so results stored by
  // earlier versions are reused; with digests (spec.modelDigest, spec.taskDigests) they carry the
  // weights' and each task's data's content, so a changed file gets fresh results.
  const baseKey = { model: spec.model, taskPrefix, ...(spec.modelDigest ? { weights: spec.modelDigest } : {}), ...((spec.kScale ?? 1) !== 1 ? { kScale: spec.kScale } : {}) };
  /** A task's data at a seed in a key: "d100", or "d100~<digest>" when the spec has its digest. */
  const data = (task: string, seed: number) => {
    const digest = spec.taskDigests?.[dataKey(task, seed)];
    return digest ? `d${seed}~${digest}` : `d${seed}`;
  };
  const ptKey = hashKey({ ...baseKey, pt: phases.pt, grid: undefined });
  const ftKey = hashKey({ ...baseKey, ft: phases.ft });
  const ptUnits = (phase: 'pt' | 'ipt_pt', task: string, dataSeed: number, seed: number, initKey?: string): PlannedUnit[] =>
    grid.map((cell) => ({
      key: `${phase}/${ptKey}${initKey ? `/${initKey}` : ''}/${task}/${data(task, dataSeed)}/r${seed}/lr${cell.lr}-b${cell.batchSize}`,
      phase, seed, task, dataSeed, cell,
    }));

  const batches: PlanBatch[] = [];
  const add = (kind: BatchKind, seed: number, items: PlanItem[]) => {
    if (items.length) batches.push({ kind, seed, items });
  };
  for (const seed of spec.seeds) {
    add('pt', seed, [...train, ...test].map((task) => ({ id: itemId('pt', seed, { task }), kind: 'pt', seed, task, units: ptUnits('pt', task, spec.dataSeed, seed) })));
    if (!ptOnly && settings.includes('train_diff')) add('pt_diff', seed, train.map((task) => ({ id: itemId('pt_diff', seed, { task }), kind: 'pt_diff', seed, task, units: ptUnits('pt', task, spec.diffSeed, seed) })));
    if (spec.multiTaskPt && train.length) {
      // One prompt for all training tasks: its key holds each task's data, as MSF's does.
      const key = `mt_pt/${hashKey({ ptKey, train: train.map((t) => data(t, spec.dataSeed)) })}/r${seed}`;
      add('mt_pt', seed, [{ id: itemId('mt_pt', seed), kind: 'mt_pt', seed, units: [{ key, phase: 'mt_pt', seed, dataSeed: spec.dataSeed }] }]);
    }
    if (spec.fineTune) {
      // With an FT grid each cell is a unit (key suffix as PT's); without one, the one unit's key is as it always was.
      add('ft', seed, [...train, ...test].map((task) => {
        const unit = { key: `ft/${ftKey}/${task}/${data(task, spec.dataSeed)}/r${seed}`, phase: 'ft' as const, seed, task, dataSeed: spec.dataSeed };
        return {
          id: itemId('ft', seed, { task }), kind: 'ft' as const, seed, task,
          units: ftGrid ? ftGrid.map((cell) => ({ ...unit, key: `${unit.key}/lr${cell.lr}-b${cell.batchSize}`, cell })) : [unit],
        };
      }));
    }
    if (spec.multiTaskFt && train.length) {
      const key = `mt_ft/${hashKey({ ftKey, train: train.map((t) => data(t, spec.dataSeed)) })}/r${seed}`;
      add('mt_ft', seed, [{ id: itemId('mt_ft', seed), kind: 'mt_ft', seed, units: [{ key, phase: 'mt_ft', seed, dataSeed: spec.dataSeed }] }]);
    }
    // Every d_I's subspace finding in one batch, then every d_I's IST in one, and so on: runs
    // that share a study (or a step, src/engine/tuning/group.ts) split larger batches better.
    const dims = spec.intrinsicDims.map((dI) => {
      const trainData = spec.taskDigests ? { data: train.map((t) => data(t, spec.dataSeed)) } : {};
      const msfKey = `msf/${hashKey({ ...baseKey, pt: phases.pt, msf: phases.msf, train, dataSeed: spec.dataSeed, dI, ptKey, ...trainData })}/r${seed}`;
      return { dI, msfKey, istKey: hashKey({ msfKey, ist: phases.ist }) };
    });
    add('msf', seed, dims.map(({ dI, msfKey }) => ({ id: itemId('msf', seed, { dI }), kind: 'msf', seed, dI, units: [{ key: msfKey, phase: 'msf', seed, dI }] })));
    const ist = ([['train_same', train, spec.dataSeed], ['train_diff', train, spec.diffSeed], ['test', test, spec.dataSeed]] as [IstSetting, readonly string[], number][])
      .filter(([setting]) => settings.includes(setting));
    // With an IST grid each cell is a unit (key suffix as PT's); without one, the one unit's key is as it always was.
    add('ist', seed, dims.flatMap(({ dI, istKey }) => ist.flatMap(([setting, names, dataSeed]) => names.map((task) => {
      const key = `ist/${istKey}/${setting}/${task}/${data(task, dataSeed)}/r${seed}`;
      const unit = { phase: 'ist' as const, seed, task, dataSeed, dI, setting };
      return {
        id: itemId('ist', seed, { dI, setting, task }), kind: 'ist' as const, seed, dI, setting, task,
        units: istGrid ? istGrid.map((cell) => ({ ...unit, key: `${key}/lr${cell.lr}-b${cell.batchSize}`, cell })) : [{ ...unit, key }],
      };
    }))));
    // The baseline is about unseen tasks: nothing to do without test tasks.
    if (spec.randomSubspace ?? true) {
      add('random', seed, dims.flatMap(({ dI, istKey }) => test.map((task) => ({
        id: itemId('random', seed, { dI, task }), kind: 'random' as const, seed, dI, task,
        units: [{ key: `random/${istKey}/${task}${spec.taskDigests ? `/${data(task, spec.dataSeed)}` : ''}/r${seed}`, phase: 'random' as const, seed, task, dataSeed: spec.dataSeed, dI }],
      }))));
    }
    if (spec.randomAll) {
      // No subspace of the study's: its key holds the model, its own settings and the task's data.
      const key = hashKey({ ...baseKey, randomAll: phases.randomAll });
      add('random_all', seed, test.map((task) => ({
        id: itemId('random_all', seed, { task }), kind: 'random_all' as const, seed, task,
        units: [{ key: `random_all/${key}/${task}/${data(task, spec.dataSeed)}/r${seed}`, phase: 'random_all' as const, seed, task, dataSeed: spec.dataSeed }],
      })));
    }
    if (spec.iptInitPt) {
      add('ipt_pt', seed, dims.flatMap(({ dI, istKey }) => test.map((task) => ({
        id: itemId('ipt_pt', seed, { dI, task }), kind: 'ipt_pt' as const, seed, dI, task,
        units: ptUnits('ipt_pt', task, spec.dataSeed, seed, `${istKey}-dI${dI}`).map((u) => ({ ...u, dI })),
      }))));
    }
  }

  const unitsByPhase: Record<StudyPhase, number> = { pt: 0, mt_pt: 0, ft: 0, mt_ft: 0, msf: 0, ist: 0, random: 0, random_all: 0, ipt_pt: 0 };
  for (const b of batches) for (const it of b.items) for (const u of it.units) unitsByPhase[u.phase]++;
  const unitsTotal = Object.values(unitsByPhase).reduce((a, b) => a + b, 0);
  return { spec, phases, taskPrefix, grid, batches, unitsTotal, unitsByPhase };
}

/** Every item of a plan by id. */
export function planItems(plan: StudyPlan): Map<string, PlanItem> {
  return new Map(plan.batches.flatMap((b) => b.items.map((it) => [it.id, it] as const)));
}

/** Batches whose units act on the model only through prompts (PT, MSF, IST): they can share steps. */
export const GROUPABLE_KINDS: ReadonlySet<BatchKind> = new Set(['pt', 'pt_diff', 'ipt_pt', 'msf', 'ist', 'random']);

/**
 * How many rows a shared training step may hold by default (src/engine/tuning/group.ts):
 * 2^22 / d_model^2, so the embedded model (d 128) groups up to 256 rows, where it turns
 * overhead-bound steps into large products, and BART-base (d 768) gets 7: a unit at a time, as
 * its step is compute-bound and large already.
 */
export function defaultGroupRows(dModel: number): number {
  return Math.max(1, Math.floor(2 ** 22 / dModel ** 2));
}

/** The settings a unit of `phase` trains with (IPT-initialised and multi-task PT: PT's; multi-task FT: FT's; the random-Proj_b baseline: IST's). */
export function phaseConfig(phases: PhaseConfigs, phase: StudyPhase): PhaseConfigs[keyof PhaseConfigs] {
  if (phase === 'pt' || phase === 'ipt_pt' || phase === 'mt_pt') return phases.pt;
  if (phase === 'mt_ft') return phases.ft;
  if (phase === 'random_all') return phases.randomAll;
  return phase === 'random' ? phases.ist : phases[phase];
}

/** Rows of a unit's training batch (its grid cell's batch size, else its phase's). */
export function unitRows(plan: StudyPlan, u: PlannedUnit): number {
  return u.cell?.batchSize ?? phaseConfig(plan.phases, u.phase).batchSize;
}

/** Consecutive runs of `units` whose rows fit in `maxRows` together; a unit larger than that goes alone. */
export function packGroups<T>(units: readonly T[], rows: (t: T) => number, maxRows: number): T[][] {
  const groups: T[][] = [];
  let sum = Infinity;
  for (const u of units) {
    const r = rows(u);
    if (sum + r > maxRows) {
      groups.push([]);
      sum = 0;
    }
    groups.at(-1)!.push(u);
    sum += r;
  }
  return groups;
}

/**
 * Whether shard `index` of `count` computes the plan's item number `n` (items numbered in plan
 * order over all batches): runs sharing a study take the items round robin.
 */
export function shardOwns(n: number, shard?: { readonly index: number; readonly count: number }): boolean {
  return shard === undefined || n % shard.count === shard.index;
}
