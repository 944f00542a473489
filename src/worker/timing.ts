// "How long will this take here?": a few real PT steps of the loaded model at a study's PT settings
// on its first training task; the same for a group of its PT tasks sharing steps, as the runner
// trains them (src/engine/tuning/group.ts); and evaluations of two tasks' dev sets (the first and
// the last, which in a study are often of different kinds), timed per example, with the sizes of
// every task's dev and test sets. The
// Start page prices the study's plan with them (src/shared/study/estimate.ts). Nothing is stored.
import { runGroup } from '../engine/tuning/group';
import { promptTuningLoop } from '../engine/tuning/phases';
import { defaultGroupRows, planStudy } from '../shared/study/plan';
import { parseStudySpec, StudyError } from '../shared/study/spec';
import { taskLookup } from '../shared/tasks/lookup';
import { EngineError } from '../protocol/errors';
import type { TimeStepsParams, TimeStepsResult } from '../protocol/messages';
import type { RequestContext } from './host';
import { requireModel } from './model';

const MAX_STEPS = 50;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function timeSteps(params: TimeStepsParams, context: RequestContext<never>): Promise<TimeStepsResult> {
  const loaded = requireModel('timeSteps');
  if (!Number.isInteger(params.steps) || params.steps < 1 || params.steps > MAX_STEPS) {
    throw new EngineError('BAD_REQUEST', `timeSteps: steps must be an integer in 1..${MAX_STEPS}, got ${String(params.steps)}`);
  }
  let plan;
  try {
    plan = planStudy(parseStudySpec(params.spec, 'timeSteps: spec'));
  } catch (e) {
    if (e instanceof StudyError) throw new EngineError('BAD_REQUEST', e.message);
    throw e;
  }
  const names = [...plan.spec.tasks.train, ...plan.spec.tasks.test];
  const lookup = taskLookup({ tasks: params.tasks ?? [], origin: 'imported', ...(params.spec.kScale === undefined ? {} : { kScale: params.spec.kScale }) });
  const ctx = { model: loaded.model, codec: loaded.codec, taskPrefix: plan.taskPrefix };
  const cfg = plan.phases.pt;
  // Each task's data once: timing, set sizes and the group all read it.
  const data = names.map((n) => lookup(n, plan.spec.dataSeed));
  const task = data[0]!;
  const { loop, objective } = promptTuningLoop(ctx, task, cfg, 1);
  let single: { stepMs: number; evalMsPerExample: number };
  const last = data[data.length - 1]!;
  try {
    await loop.trainStep(); // warm-up: kernels compile, buffers are allocated
    const times: number[] = [];
    for (let i = 0; i < params.steps; i++) {
      await context.checkpoint('between timed steps');
      const t0 = performance.now();
      await loop.trainStep();
      times.push(performance.now() - t0);
    }
    let t0 = performance.now();
    await objective.evaluate();
    let evalMs = performance.now() - t0;
    let evaluated = task.dev.length;
    if (names.length > 1) {
      // The last task's dev set through the same prompt: a timing of decoding, not of a result.
      const other = promptTuningLoop(ctx, last, cfg, 1);
      try {
        t0 = performance.now();
        await other.objective.evaluate();
        evalMs += performance.now() - t0;
        evaluated += last.dev.length;
      } finally {
        other.loop.dispose();
        other.objective.dispose();
      }
    }
    single = { stepMs: median(times), evalMsPerExample: evalMs / Math.max(1, evaluated) };
  } finally {
    loop.dispose();
    objective.dispose();
  }
  const examples = Object.fromEntries(data.map((t, i) => [names[i]!, { dev: t.dev.length, test: t.test.length }]));
  // A shared step of as many of the study's PT tasks as one group holds.
  const size = Math.min(names.length, Math.floor(defaultGroupRows(loaded.model.config.dModel) / cfg.batchSize));
  let group: { groupStepMs: number; groupRows: number } | Record<string, never> = {};
  if (size >= 2) {
    const members = data.slice(0, size).map((t, i) => promptTuningLoop(ctx, t, cfg, 1 + i));
    try {
      const stamps: number[] = [];
      await runGroup(members, {
        onProgress: (i) => { if (i === 0) stamps.push(performance.now()); },
        // One warm-up step (it also measures each member's divergence baseline), then the timed ones.
        shouldPause: () => stamps.length > params.steps,
        onYield: () => context.checkpoint('between timed steps'),
      });
      group = { groupStepMs: median(stamps.slice(1).map((t, i) => t - stamps[i]!)), groupRows: size * cfg.batchSize };
    } finally {
      members.forEach((m) => { m.loop.dispose(); m.objective.dispose(); });
    }
  }
  return { ...single, examples, rows: cfg.batchSize, ...group, steps: params.steps, task: names[0]!, backend: loaded.summary.backend };
}
