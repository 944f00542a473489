// How long a study will take on this machine, from a few timed steps. The walk is modelled as
// the runner does it (src/engine/study/run.ts): batch after batch, each batch's items shared
// round robin by the runs (workers) that share the study, each run training its units in
// groups that share steps (packGroups). A shared step of r rows costs a + b * r, a line through
// the two timed steps (one unit alone, and a full group). An estimate: it counts every unit's
// full schedule (early stopping only shortens it), prices every phase's step as a PT step of the
// same rows, and reuses nothing from earlier studies.
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
  /** Wall time of one evaluation of a task's dev set (generation and scoring), ms. */
  readonly evalMs: number;
}

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
  readonly batches: readonly { readonly runs: readonly { readonly passes: readonly Pass[]; readonly evals: number }[] }[];
}

/** How the study will run: `workers` runs share it; a shared step holds up to `maxRows` rows (1: none shared). */
export function studyWork(plan: StudyPlan, o: { readonly workers?: number; readonly maxRows?: number } = {}): StudyWork {
  const { phases } = plan;
  const workers = Math.max(1, o.workers ?? 1);
  const maxRows = Math.max(1, o.maxRows ?? 1);
  const train = plan.spec.tasks.train.length;
  const test = plan.spec.tasks.test.length;
  const config = (phase: StudyPhase) => phaseConfig(phases, phase);
  const evalsOf = (u: PlannedUnit) => {
    const c = config(u.phase);
    const devEvals = Math.ceil(c.totalSteps / c.evalEvery);
    // MSF scores every training task at each evaluation, then each task's test set once.
    return u.phase === 'msf' ? devEvals * train + train + test : devEvals + 1;
  };
  let steps = 0;
  let evals = 0;
  let seen = 0;
  const batches = plan.batches.map((b) => {
    const first = seen;
    seen += b.items.length;
    const units = b.items.flatMap((it) => it.units);
    steps += units.reduce((a, u) => a + config(u.phase).totalSteps, 0);
    evals += units.reduce((a, u) => a + evalsOf(u), 0);
    const runs = Array.from({ length: workers }, (_, index) => {
      const own = b.items.filter((_, i) => shardOwns(first + i, workers > 1 ? { index, count: workers } : undefined)).flatMap((it) => it.units);
      const groups = GROUPABLE_KINDS.has(b.kind) ? packGroups(own, (u) => unitRows(plan, u), maxRows) : own.map((u) => [u]);
      return {
        passes: groups.map((g) => ({ rows: g.reduce((a, u) => a + unitRows(plan, u), 0), steps: Math.max(...g.map((u) => config(u.phase).totalSteps)) })),
        evals: own.reduce((a, u) => a + evalsOf(u), 0),
      };
    });
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

/** Seconds the work takes at the measured pace: per batch, its slowest run. */
export function estimateSeconds(work: StudyWork, timing: StepTiming): number {
  let ms = 0;
  for (const b of work.batches) {
    ms += Math.max(0, ...b.runs.map((r) => r.passes.reduce((a, p) => a + p.steps * stepMsAt(p.rows, timing), 0) + r.evals * timing.evalMs));
  }
  return ms / 1000;
}

/** "about 12 minutes": whole minutes, at least 1. */
export function aboutMinutes(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  return `about ${m} minute${m === 1 ? '' : 's'}`;
}
