// How long a study will take on this machine, from a few timed steps. The walk is modelled as
// the runner does it (src/engine/study/run.ts): batch after batch, each batch's items shared
// round robin by the runs (workers) that share the study, each run training its units in
// groups that share steps (packGroups). A shared step of r rows costs a + b * r, a line through
// the two timed steps (one unit alone, and a full group). An estimate: it counts every unit's
// full schedule (early stopping only shortens it), prices every phase's step as a PT step of the
// same rows, and reuses nothing from earlier studies. An evaluation costs its set's examples times
// a measured ms per example: test sets are larger than dev sets (100 against 32-80 examples in the
// built-in world), so pricing every evaluation as one dev set halved the lesson's estimate.
import { GROUPABLE_KINDS, packGroups, phaseConfig, shardOwns, unitRows, type PlannedUnit, type StudyPhase, type StudyPlan } from './plan';

/** What a short timing run measured (the engine's timeSteps). */
export interface StepTiming {
  /** Median wall time of one PT training step of one unit (forward, backward, optimiser), ms... */
  readonly stepMs: number;
  /** ...of this many rows (the PT batch size). */
  readonly rows: number;
  /** Median wall time of one shared step of a group of units, ms, and its rows (absent: no group timed). */
  readonly groupStepMs?: number;
  readonly groupRows?: number;
  /** Wall time of evaluating one example (generation and scoring), ms: timed dev sets' time over their examples. */
  readonly evalMsPerExample: number;
  /** Each task's dev and test examples (a task left out counts as DEFAULT_SET_SIZE each). */
  readonly examples: Readonly<Record<string, SetSizes>>;
}

export interface SetSizes {
  readonly dev: number;
  readonly test: number;
}

/** Examples assumed for a set whose size the timing did not report. */
export const DEFAULT_SET_SIZE = 64;

/** How many times each task's dev and test sets are scored. */
export type Scored = Readonly<Record<string, SetSizes>>;

/** A sequence of shared steps: `steps` steps of `rows` rows each. */
export interface Pass {
  readonly rows: number;
  readonly steps: number;
}

/** The work of a plan: per batch, per run sharing the study, its passes and evaluations. */
export interface StudyWork {
  /** Training steps summed over units (as if each trained alone), and task evaluations. */
  readonly steps: number;
  readonly evals: number;
  readonly batches: readonly { readonly runs: readonly { readonly passes: readonly Pass[]; readonly evals: number; readonly scored: Scored }[] }[];
}

/** How the study will run: `workers` runs share it; a shared step holds up to `maxRows` rows (1: none shared). */
export function studyWork(plan: StudyPlan, o: { readonly workers?: number; readonly maxRows?: number } = {}): StudyWork {
  const { phases } = plan;
  const workers = Math.max(1, o.workers ?? 1);
  const maxRows = Math.max(1, o.maxRows ?? 1);
  const config = (phase: StudyPhase) => phaseConfig(phases, phase);
  // Which sets a unit scores: its task's dev set at each evaluation and its test set once; MSF
  // scores every training task's dev set at each evaluation, then every task's test set.
  const scoredBy = (u: PlannedUnit, into: Record<string, { dev: number; test: number }>) => {
    const c = config(u.phase);
    const devEvals = Math.ceil(c.totalSteps / c.evalEvery);
    const add = (task: string, dev: number, test: number) => {
      const s = (into[task] ??= { dev: 0, test: 0 });
      s.dev += dev;
      s.test += test;
    };
    if (u.phase === 'msf') {
      for (const t of plan.spec.tasks.train) add(t, devEvals, 1);
      for (const t of plan.spec.tasks.test) add(t, 0, 1);
    } else if (u.task !== undefined) add(u.task, devEvals, 1);
  };
  // One evaluation scores one set: the count is the scored sets'.
  const evaluations = (scored: Scored) => Object.values(scored).reduce((a, s) => a + s.dev + s.test, 0);
  let steps = 0;
  let evals = 0;
  let seen = 0;
  const batches = plan.batches.map((b) => {
    const first = seen;
    seen += b.items.length;
    steps += b.items.flatMap((it) => it.units).reduce((a, u) => a + config(u.phase).totalSteps, 0);
    const runs = Array.from({ length: workers }, (_, index) => {
      const own = b.items.filter((_, i) => shardOwns(first + i, workers > 1 ? { index, count: workers } : undefined)).flatMap((it) => it.units);
      const groups = GROUPABLE_KINDS.has(b.kind) ? packGroups(own, (u) => unitRows(plan, u), maxRows) : own.map((u) => [u]);
      const scored = own.reduce<Record<string, { dev: number; test: number }>>((into, u) => (scoredBy(u, into), into), {});
      return {
        passes: groups.map((g) => ({ rows: g.reduce((a, u) => a + unitRows(plan, u), 0), steps: Math.max(...g.map((u) => config(u.phase).totalSteps)) })),
        evals: evaluations(scored),
        scored,
      };
    });
    // The runs share the batch's items out, so their evaluations add up to the batch's.
    evals += runs.reduce((a, r) => a + r.evals, 0);
    return { runs };
  });
  return { steps, evals, batches };
}

/** Ms of one shared step of `rows` rows: the line through the timed points (proportional with one point). */
export function stepMsAt(rows: number, t: StepTiming): number {
  if (t.groupStepMs === undefined || t.groupRows === undefined || t.groupRows === t.rows) return (t.stepMs * rows) / t.rows;
  const b = Math.max(0, (t.groupStepMs - t.stepMs) / (t.groupRows - t.rows));
  const a = Math.max(0, t.stepMs - b * t.rows);
  return a + b * rows;
}

/** Examples the scored sets hold, at the timing's set sizes. */
export function scoredExamples(scored: Scored, timing: Pick<StepTiming, 'examples'>): number {
  let n = 0;
  for (const [task, s] of Object.entries(scored)) {
    const size = timing.examples[task] ?? { dev: DEFAULT_SET_SIZE, test: DEFAULT_SET_SIZE };
    n += s.dev * size.dev + s.test * size.test;
  }
  return n;
}

/** Seconds the work takes at the measured pace: per batch, its slowest run. */
export function estimateSeconds(work: StudyWork, timing: StepTiming): number {
  let ms = 0;
  for (const b of work.batches) {
    ms += Math.max(0, ...b.runs.map((r) => r.passes.reduce((a, p) => a + p.steps * stepMsAt(p.rows, timing), 0)
      + scoredExamples(r.scored, timing) * timing.evalMsPerExample));
  }
  return ms / 1000;
}

/** Examples all evaluations of the work score (the Start page's sentence). */
export function workExamples(work: StudyWork, timing: Pick<StepTiming, 'examples'>): number {
  return work.batches.reduce((a, b) => a + b.runs.reduce((c, r) => c + scoredExamples(r.scored, timing), 0), 0);
}

/** "about 12 minutes": whole minutes, at least 1. */
export function aboutMinutes(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  return `about ${m} minute${m === 1 ? '' : 's'}`;
}
