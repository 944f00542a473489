// The Start page's live demo: load the embedded model (model store), time a few PT steps of it
// for the estimate, and run the lesson study (study store), exactly as the Model and Run screens
// would. Its own state is only what the Start page says about the lesson; the study's progress
// and results are the study store's.
import type { PhaseOverridesWire, StudySpecWire, TimeStepsResult } from '../../protocol/messages';
import { EMBEDDED_MODEL } from '../../shared/embedded';
import { estimateSeconds, studyWork } from '../../shared/study/estimate';
import { defaultGroupRows, planStudy } from '../../shared/study/plan';
import { lessonSpec } from '../../shared/study/quick';
import { engine } from './engine.svelte';
import { loadModel, modelState } from './model.svelte';
import { runState, startStudy, studyWorkerPlan } from './study.svelte';

/** Steps timed after one warm-up: enough for a median, a few seconds on the embedded model. */
export const TIMED_STEPS = 5;

/**
 * TEST-ONLY: a browser test shortens the lesson by putting `{ "phases": {...}, "tasks": { "train":
 * [...], "test": [...] } }` under this localStorage key (test/browser/ui-start.test.ts). The button,
 * the model load, the timing and the study run as for everyone; only the spec is smaller. Read here
 * and nowhere else; no user-facing screen writes it.
 */
export const LESSON_TEST_OVERRIDE_KEY = 'intrinsic-lab.test.lesson';

interface LessonOverride {
  phases?: PhaseOverridesWire;
  tasks?: { train: string[]; test: string[] };
}

function testOverride(): LessonOverride {
  try {
    const raw = globalThis.localStorage?.getItem(LESSON_TEST_OVERRIDE_KEY);
    return raw ? (JSON.parse(raw) as LessonOverride) : {};
  } catch {
    return {};
  }
}

/** The lesson study for a model (with the test-only override, when one is set). */
export function lessonStudySpec(modelId: string): StudySpecWire {
  const o = testOverride();
  const base = lessonSpec();
  return { ...base, model: modelId, ...(o.phases ? { phases: o.phases } : {}), ...(o.tasks ? { tasks: o.tasks } : {}) };
}

export interface LessonState {
  /** loading: the embedded model; timing: the timed steps; running: the study (runState has its progress). */
  stage: 'idle' | 'loading' | 'timing' | 'running' | 'finished' | 'error';
  timing: TimeStepsResult | null;
  /** Seconds the whole lesson should take here, from `timing` and the plan. */
  seconds: number | null;
  /** When the study itself started (Date.now()), for the estimate's countdown before the runner has a pace. */
  startedAt: number | null;
  error: string | null;
}

export const lessonState: LessonState = $state({ stage: 'idle', timing: null, seconds: null, startedAt: null, error: null });

const EMBEDDED_ID = `embedded:${EMBEDDED_MODEL}`;

/** The Start page's button. Resolves when the study finishes, pauses or fails (runState says which). */
export async function startLesson(): Promise<void> {
  lessonState.error = null;
  lessonState.stage = 'loading';
  const ready = modelState.status === 'ready' && modelState.summary?.modelId === EMBEDDED_ID;
  const summary = ready ? modelState.summary : await loadModel({ kind: 'embedded', name: EMBEDDED_MODEL });
  if (!summary) {
    lessonState.stage = 'error';
    lessonState.error = `The embedded model could not be loaded: ${modelState.error?.message ?? 'unknown error'}`;
    return;
  }
  const spec = lessonStudySpec(summary.modelId);
  lessonState.stage = 'timing';
  try {
    const timing = await engine.call('timeSteps', { spec, steps: TIMED_STEPS });
    lessonState.timing = timing;
    // Priced as the runner will walk it: the study's engine workers share its items, and units of a
    // batch share steps, up to the model's group size.
    const work = studyWork(planStudy(spec), { maxRows: defaultGroupRows(summary.config.dModel), workers: studyWorkerPlan().count });
    lessonState.seconds = estimateSeconds(work, timing);
  } catch (e) {
    // The estimate is a courtesy: without it the lesson still runs.
    lessonState.error = `The time could not be estimated: ${e instanceof Error ? e.message : String(e)}`;
  }
  lessonState.stage = 'running';
  lessonState.startedAt = Date.now();
  await startStudy(spec);
  if (runState.status === 'done') lessonState.stage = 'finished';
  else if (runState.status === 'error' || runState.status === 'interrupted') {
    lessonState.stage = 'error';
    lessonState.error = `The live demo stopped: ${runState.error ?? runState.status}`;
  } else lessonState.stage = 'idle'; // paused or cancelled: the Run screen resumes it
}

