// How long a study will take on this machine, from a few timed steps: the plan's training steps
// times the measured step, plus its evaluations times the measured evaluation. An estimate: it
// counts every unit's full schedule (early stopping only shortens it), prices every phase's step
// as a PT step of the same model, and reuses nothing from earlier studies.
import type { StudyPhase, StudyPlan } from './plan';

/** What a short timing run measured (the engine's timeSteps). */
export interface StepTiming {
  /** Median wall time of one PT training step (forward, backward, optimiser), ms. */
  readonly stepMs: number;
  /** Wall time of one evaluation of a task's dev set (generation and scoring), ms. */
  readonly evalMs: number;
}

/** Training steps and task evaluations of a plan, summed over its units. */
export interface StudyWork {
  readonly steps: number;
  readonly evals: number;
}

export function studyWork(plan: StudyPlan): StudyWork {
  const { phases } = plan;
  const train = plan.spec.tasks.train.length;
  const test = plan.spec.tasks.test.length;
  const config = (phase: StudyPhase) => (phase === 'pt' || phase === 'ipt_pt' ? phases.pt : phase === 'random' ? phases.ist : phases[phase]);
  let steps = 0;
  let evals = 0;
  for (const batch of plan.batches) {
    for (const item of batch.items) {
      for (const unit of item.units) {
        const c = config(unit.phase);
        const devEvals = Math.ceil(c.totalSteps / c.evalEvery);
        steps += c.totalSteps;
        // MSF scores every training task at each evaluation, then each task's test set once.
        evals += unit.phase === 'msf' ? devEvals * train + train + test : devEvals + 1;
      }
    }
  }
  return { steps, evals };
}

/** Seconds the work takes at the measured pace. */
export function estimateSeconds(work: StudyWork, timing: StepTiming): number {
  return (work.steps * timing.stepMs + work.evals * timing.evalMs) / 1000;
}

/** "about 12 minutes": whole minutes, at least 1. */
export function aboutMinutes(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  return `about ${m} minute${m === 1 ? '' : 's'}`;
}
