// "How long will this take here?": a few real PT steps of the loaded model at a study's PT settings
// on its first training task, and one evaluation of that task's dev set, timed. The Start page
// multiplies them by the study's plan (src/shared/study/estimate.ts). Nothing is stored.
import { promptTuningLoop } from '../engine/tuning/phases';
import { planStudy } from '../shared/study/plan';
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
  const name = plan.spec.tasks.train[0] ?? plan.spec.tasks.test[0]!;
  const task = taskLookup({ tasks: params.tasks ?? [], origin: 'imported' })(name, plan.spec.dataSeed);
  const { loop, objective } = promptTuningLoop({ model: loaded.model, codec: loaded.codec, taskPrefix: plan.taskPrefix }, task, plan.phases.pt, 1);
  try {
    await loop.trainStep(); // warm-up: kernels compile, buffers are allocated
    const times: number[] = [];
    for (let i = 0; i < params.steps; i++) {
      await context.checkpoint('between timed steps');
      const t0 = performance.now();
      await loop.trainStep();
      times.push(performance.now() - t0);
    }
    const t0 = performance.now();
    await objective.evaluate();
    return { stepMs: median(times), evalMs: performance.now() - t0, steps: params.steps, task: name, backend: loaded.summary.backend };
  } finally {
    loop.dispose();
    objective.dispose();
  }
}
