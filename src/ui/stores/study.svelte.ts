// The Run and Results screens' state as serialisable snapshots, and the only functions that call
// the engine for studies. Live objects (the AbortController) stay in this module.
import { EngineError, isCancelled } from '../../protocol/errors';
import type { DamagedStudy, StudyInfo, StudyProgressWire, StudyResult, StudyResultsJson, StudySpecWire, StudyTaskWire } from '../../protocol/messages';
import type { CallOptions } from '../../bridge/workerClient';
import { checkResultsJson } from '../charts/figures';
import { engine } from './engine.svelte';

/** One unit of work (a PT / MSF / IST run) as the progress bars show it. */
export interface UnitView {
  unit: string;
  phase: StudyProgressWire['phase'];
  task: string | null;
  dI: number | null;
  seed: number;
  step: number;
  totalSteps: number | null;
  reused: boolean;
}

export interface RunState {
  /** `interrupted`: the engine worker died under the study; its units and checkpoints are kept, Resume goes on. */
  status: 'idle' | 'running' | 'pausing' | 'cancelling' | 'paused' | 'done' | 'cancelled' | 'error' | 'interrupted';
  studyId: string | null;
  spec: StudySpecWire | null;
  latest: StudyProgressWire | null;
  current: UnitView | null;
  /** Finished units per phase (this session), and units seen per phase. */
  phaseDone: Record<string, number>;
  /** Recent units, newest first (at most 12). */
  recent: UnitView[];
  /** Curves of the running unit: [step, value]. */
  loss: [number, number][];
  dev: [number, number][];
  /** Units of this run that were finished before (by an earlier run or before a reload) and reused. */
  reused: number;
  error: string | null;
  studies: StudyInfo[];
  /** Registry records that cannot be read: listed apart, with what is wrong, to be deleted. */
  damaged: DamagedStudy[];
  studiesError: string | null;
  /** The resolved phase settings of each preset (for the form's defaults and estimates). */
}

/** A value as a $state snapshot holds it: plain data, deeply mutable (Svelte's state proxies are). */

export const runState: RunState = $state({
  status: 'idle', studyId: null, spec: null, latest: null, current: null, phaseDone: {}, recent: [],
  loss: [], dev: [], reused: 0, error: null, studies: [], damaged: [], studiesError: null,
});

export interface ResultsState {
  results: StudyResultsJson | null;
  /** Where they came from ("study 2026… (finished here)", "results.json"). */
  source: string;
  error: string | null;
}

export const resultsState: ResultsState = $state({ results: null, source: '', error: null });

/** The running call's two verbs: `cancel` aborts it (and the worker forgets the study), `pause` stops it resumably. */
let controls: { cancel: AbortController; pause: AbortController } | null = null;
/** Curves keep at most this many points (older ones are thinned out). */
const MAX_POINTS = 400;

function thin(xs: [number, number][]): [number, number][] {
  return xs.length <= MAX_POINTS ? xs : xs.filter((_, i) => i % 2 === 0 || i === xs.length - 1);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function onProgress(p: StudyProgressWire): void {
  runState.latest = p;
  runState.reused = p.reusedUnits;
  runState.studyId = p.id;
  const prev = runState.current;
  if (!prev || prev.unit !== p.unit) {
    if (prev) runState.phaseDone[prev.phase] = (runState.phaseDone[prev.phase] ?? 0) + 1;
    runState.loss = [];
    runState.dev = [];
  }
  const view: UnitView = {
    unit: p.unit, phase: p.phase, task: p.task ?? null, dI: p.dI ?? null, seed: p.seed,
    step: p.step ?? (p.reused ? (p.totalSteps ?? 0) : 0), totalSteps: p.totalSteps ?? null, reused: p.reused === true,
  };
  runState.current = view;
  if (!prev || prev.unit !== p.unit) runState.recent = [view, ...runState.recent].slice(0, 12);
  else runState.recent[0] = view;
  if (p.step !== undefined && p.loss !== undefined && Number.isFinite(p.loss)) runState.loss = thin([...runState.loss, [p.step, p.loss]]);
  if (p.step !== undefined && p.devScore !== undefined && Number.isFinite(p.devScore)) runState.dev = [...runState.dev, [p.step, p.devScore]];
}

async function drive(call: (options: CallOptions<StudyProgressWire>) => Promise<StudyResult>): Promise<void> {
  const own = { cancel: new AbortController(), pause: new AbortController() };
  controls = own;
  runState.status = 'running';
  runState.error = null;
  runState.phaseDone = {};
  runState.recent = [];
  runState.current = null;
  runState.loss = [];
  runState.dev = [];
  runState.reused = 0;
  try {
    const r = await call({ signal: own.cancel.signal, pauseSignal: own.pause.signal, onProgress, progressIntervalMs: 250 });
    runState.studyId = r.id;
    runState.reused = r.reusedUnits;
    if (r.status === 'done') {
      runState.status = 'done';
      // The last progress message comes before the last unit is stored; the answer means all are.
      if (runState.latest) runState.latest = { ...runState.latest, unitsDone: runState.latest.unitsTotal, etaSeconds: 0 };
      if (r.results) setResults(r.results, `study “${r.results.study.name}” (finished in this browser)`);
    } else {
      runState.status = 'paused';
    }
  } catch (e) {
    const crashed = e instanceof EngineError && e.code === 'WORKER_CRASHED';
    runState.status = isCancelled(e) ? 'cancelled' : crashed ? 'interrupted' : 'error';
    runState.error = isCancelled(e) ? null : message(e);
  } finally {
    if (controls === own) controls = null;
    void refreshStudies();
  }
}

/** Runs a new study; resolves when it finishes, pauses or fails (state says which). */
export function startStudy(spec: StudySpecWire, tasks?: StudyTaskWire[]): Promise<void> {
  runState.spec = spec;
  runState.studyId = null;
  return drive((options) => engine.startStudy({ spec, ...(tasks ? { tasks } : {}) }, options));
}

export function resumeStudy(info: StudyInfo, tasks?: StudyTaskWire[]): Promise<void> {
  runState.spec = info.spec;
  runState.studyId = info.id;
  return drive((options) => engine.resumeStudy({ id: info.id, ...(tasks ? { tasks } : {}) }, options));
}

/** Pause: the worker checkpoints the running unit and stops; Resume continues from there. */
export function pauseStudy(): void {
  if (!controls) return;
  runState.status = 'pausing';
  controls.pause.abort();
}

/** Cancel: stop and forget the study (the worker deletes its record; finished units stay reusable by key). */
export function cancelStudy(): void {
  if (!controls) return;
  runState.status = 'cancelling';
  controls.cancel.abort();
}

export async function refreshStudies(): Promise<void> {
  try {
    const all = await engine.listStudies();
    runState.studies = all.filter((s): s is StudyInfo => !('damaged' in s));
    runState.damaged = all.filter((s): s is DamagedStudy => 'damaged' in s);
    runState.studiesError = null;
  } catch (e) {
    runState.studiesError = message(e);
  }
}

/** Deletes the study's record, results, and every unit it computed (checkpoints and results). */
export async function forgetStudy(id: string): Promise<void> {
  try {
    await engine.deleteStudy({ id });
  } catch (e) {
    runState.studiesError = `Could not delete study ${id}: ${message(e)}`;
  }
  await refreshStudies();
}

export function setResults(results: StudyResultsJson, source: string): void {
  resultsState.results = results;
  resultsState.source = source;
  resultsState.error = null;
}

export async function loadStudyResults(id: string): Promise<void> {
  try {
    const r = await engine.getResults({ id });
    setResults(r, `study “${r.study.name}” (finished in this browser)`);
  } catch (e) {
    resultsState.error = e instanceof EngineError ? e.message : message(e);
  }
}

export async function importResultsFile(file: File): Promise<void> {
  try {
    let value: unknown;
    try {
      value = JSON.parse(await file.text());
    } catch (e) {
      throw new Error(`${file.name}: not valid JSON (${message(e)})`);
    }
    setResults(checkResultsJson(value, file.name), file.name);
  } catch (e) {
    resultsState.error = message(e);
  }
}
