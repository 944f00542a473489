// The Run and Results screens' state as serialisable snapshots, and the only functions that call
// the engine for studies. Live objects (the AbortController) stay in this module.
//
// A study runs on one engine worker or several (studyShards.ts says how many): the page's engine
// worker runs it (startStudy / resumeStudy with a shard: registry, results, Library) and each
// extra worker joins it (joinStudy) with the same model, loaded there from the weight cache; they
// share the work through the IndexedDB run store. Pause and cancel reach every worker; the screens
// see one merged progress.
import { EngineClient } from '../../bridge/engineClient';
import { EngineError, isCancelled } from '../../protocol/errors';
import type { DamagedStudy, StudyInfo, StudyProgressWire, StudyResult, StudyResultsJson, StudySpecWire, StudyTaskWire } from '../../protocol/messages';
import type { CallOptions } from '../../bridge/workerClient';
import { planStudy } from '../../shared/study/plan';
import { checkResultsJson } from '../charts/figures';
import { engine, engineState } from './engine.svelte';
import { describeSpec, loadedSource, loadModel, modelState, sourceOfModel } from './model.svelte';
import { ShardMerge, studyWorkerCount } from './studyShards';

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

/** One engine worker of the running study: its current unit and how many units it trained. */
export interface WorkerView {
  state: 'starting' | 'running' | 'done' | 'paused' | 'stopped';
  unit: UnitView | null;
  computed: number;
  /** Why it stopped, when it failed. */
  note: string | null;
}

export interface RunState {
  /**
   * `interrupted`: an engine worker died under the study; its units and checkpoints are kept,
   * Resume goes on. `loading`: Resume is loading the study's model first.
   */
  status: 'idle' | 'loading' | 'running' | 'pausing' | 'cancelling' | 'paused' | 'done' | 'cancelled' | 'error' | 'interrupted';
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
  /** The engine workers of the running (or last) study, the page's own first. */
  workers: WorkerView[];
  /** Said beside the status (a worker that failed and what was done about it). */
  notice: string | null;
}

export const runState: RunState = $state({
  status: 'idle', studyId: null, spec: null, latest: null, current: null, phaseDone: {}, recent: [],
  loss: [], dev: [], reused: 0, error: null, studies: [], damaged: [], studiesError: null, workers: [], notice: null,
});

const WORKERS_KEY = 'intrinsic-lab.studyWorkers';

/** The user's choice of engine workers for studies (Run screen), null for the rule. */
export const studySettings: { workers: number | null } = $state({ workers: loadWorkersChoice() });

function loadWorkersChoice(): number | null {
  try {
    const n = Number(globalThis.localStorage?.getItem(WORKERS_KEY) ?? NaN);
    return Number.isInteger(n) && n >= 1 ? n : null;
  } catch {
    return null;
  }
}

export function setStudyWorkers(workers: number | null): void {
  studySettings.workers = workers;
  try {
    if (workers === null) globalThis.localStorage?.removeItem(WORKERS_KEY);
    else globalThis.localStorage?.setItem(WORKERS_KEY, String(workers));
  } catch {
    // Storage can be blocked: the choice lasts for this page.
  }
}

/** A study is being started, resumed (its model loading), run, paused or cancelled here: the forms wait. */
export function studyBusy(): boolean {
  return runState.status === 'loading' || runState.status === 'running' || runState.status === 'pausing' || runState.status === 'cancelling';
}

/** How many engine workers a study started now gets, and why (studyWorkerCount's rule, or the user's choice). */
export function studyWorkerPlan(): { count: number; why: string } {
  const nav = globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined;
  return studyWorkerCount({
    cores: nav?.hardwareConcurrency ?? 1,
    deviceMemoryGb: nav?.deviceMemory,
    backend: engineState.info?.backend ?? null,
    threads: engineState.info?.threads ?? 1,
    modelParams: modelState.summary?.params ?? null,
    override: studySettings.workers,
  });
}

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

function unitView(p: StudyProgressWire): UnitView {
  return {
    unit: p.unit, phase: p.phase, task: p.task ?? null, dI: p.dI ?? null, seed: p.seed,
    step: p.step ?? (p.reused ? (p.totalSteps ?? 0) : 0), totalSteps: p.totalSteps ?? null, reused: p.reused === true,
  };
}

function onProgress(merge: ShardMerge, worker: number, p: StudyProgressWire): void {
  const focus = merge.update(worker, p);
  runState.studyId = p.id;
  const view = unitView(p);
  const w = runState.workers[worker];
  if (w) w.unit = view;
  showMerged(merge);
  runState.latest = { ...p, unitsDone: merge.unitsDone, unitsTotal: merge.unitsTotal || p.unitsTotal, etaSeconds: merge.eta(), tests: merge.tests, vectors: merge.vectors };
  if (!focus) return;
  const prev = runState.current;
  if (!prev || prev.unit !== p.unit) {
    runState.loss = [];
    runState.dev = [];
  }
  runState.current = view;
  if (!prev || prev.unit !== p.unit) runState.recent = [view, ...runState.recent].slice(0, 12);
  else runState.recent[0] = view;
  if (p.step !== undefined && p.loss !== undefined && Number.isFinite(p.loss)) runState.loss = thin([...runState.loss, [p.step, p.loss]]);
  if (p.step !== undefined && p.devScore !== undefined && Number.isFinite(p.devScore)) runState.dev = [...runState.dev, [p.step, p.devScore]];
}

function showMerged(merge: ShardMerge): void {
  runState.phaseDone = merge.phaseDone();
  runState.reused = merge.reusedEarlier;
  merge.computedPerWorker().forEach((n, i) => {
    const w = runState.workers[i];
    if (w) w.computed = n;
  });
}

/** The extra engine workers (index 1 up), kept between studies with their model loaded. */
const helpers: EngineClient[] = [];

/** The extra engine workers by index (1 up; the console's and the tests' handle, to kill() one). */
export const studyHelpers: ReadonlyArray<EngineClient | undefined> = helpers;
/** The backend each extra worker was initialised on (null: not yet, or it died). */
const helperBackends: (string | null)[] = [];

/** An extra worker on the page worker's backend with the loaded model (from the weight cache). */
async function prepareHelper(i: number): Promise<EngineClient> {
  let client = helpers[i];
  if (!client) {
    client = new EngineClient();
    helpers[i] = client;
    client.onEvent((event) => {
      if (event.kind === 'crashed') helperBackends[i] = null;
    });
  }
  const backend = engineState.info?.backend;
  const source = loadedSource();
  const modelId = modelState.summary?.modelId;
  if (!backend || !source || !modelId) throw new Error('the page\'s engine has no model loaded');
  if (helperBackends[i] !== backend) {
    const info = await client.init({ backend });
    // The same units must come out of every worker: the same backend, or none.
    if (info.backend !== backend) throw new Error(`it started ${info.backend}, not ${backend}`);
    helperBackends[i] = backend;
  }
  if ((await client.modelInfo())?.modelId !== modelId) await client.loadModel({ source, appBase: location.href });
  return client;
}

/** Whether the user asked for the pause (not a failed worker). */
let userPaused = false;

type MainCall = (shard: { shard?: { index: number; count: number } }, options: CallOptions<StudyProgressWire>) => Promise<StudyResult>;

/**
 * Runs a study on `count` workers: the page's worker through `main`, the others joining it once
 * its id is known. An extra worker that fails is started again once (a fresh worker resumes its
 * share from its checkpoint); failing again, the study pauses and goes on with one worker.
 */
async function drive(spec: StudySpecWire, knownId: string | null, tasks: StudyTaskWire[] | undefined, main: MainCall, count = studyWorkerPlan().count): Promise<void> {
  const own = { cancel: new AbortController(), pause: new AbortController() };
  controls = own;
  userPaused = false;
  runState.status = 'running';
  // A Pause or Cancel pressed while the study was starting (the worker keying its spec) applies now.
  const early = pendingStop;
  pendingStop = null;
  if (early === 'pause') {
    userPaused = true;
    runState.status = 'pausing';
    own.pause.abort();
  } else if (early === 'cancel') {
    runState.status = 'cancelling';
    own.cancel.abort();
  }
  runState.error = null;
  // Not the last study's counts while this one starts.
  runState.latest = null;
  runState.recent = [];
  runState.current = null;
  runState.loss = [];
  runState.dev = [];
  runState.reused = 0;
  runState.workers = Array.from({ length: count }, (_, i): WorkerView => ({ state: i === 0 ? 'running' : 'starting', unit: null, computed: 0, note: null }));
  const phases = new Map<string, string>();
  let unitsTotal = 0;
  try {
    const plan = planStudy(spec);
    unitsTotal = plan.unitsTotal;
    for (const b of plan.batches) for (const it of b.items) for (const u of it.units) phases.set(u.key, u.phase);
  } catch {
    // The worker refuses such a spec with its own message.
  }
  const merge = new ShardMerge(count, unitsTotal, (u) => phases.get(u));
  runState.phaseDone = {};
  const shardOf = (index: number) => (count > 1 ? { shard: { index, count } } : {});
  let foundId: (id: string) => void = () => undefined;
  const idKnown = knownId !== null ? Promise.resolve(knownId) : new Promise<string>((resolve) => (foundId = resolve));
  const options = (worker: number): CallOptions<StudyProgressWire> => ({
    signal: own.cancel.signal, pauseSignal: own.pause.signal, progressIntervalMs: 250,
    onProgress: (p) => {
      if (worker === 0) foundId(p.id);
      onProgress(merge, worker, p);
    },
  });
  /** A note stays until another replaces it (a restart is still worth saying once the worker runs again). */
  const setWorker = (i: number, state: WorkerView['state'], note?: string) => {
    const w = runState.workers[i];
    if (w) Object.assign(w, { state }, note === undefined ? {} : { note });
  };
  let settled = false;
  let helperError: string | null = null;
  const mainCall = main(shardOf(0), options(0));
  const ended = mainCall.then(() => null, () => null);
  const runHelper = async (i: number): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const id = await Promise.race([idKnown, ended]);
      if (id === null || settled || own.pause.signal.aborted || own.cancel.signal.aborted) return setWorker(i, 'stopped');
      try {
        const client = await prepareHelper(i);
        if (settled || own.pause.signal.aborted || own.cancel.signal.aborted) return setWorker(i, 'stopped');
        setWorker(i, 'running');
        const r = await client.joinStudy({ id, shard: { index: i, count }, ...(tasks ? { tasks } : {}) }, options(i));
        merge.seen(i, r);
        return setWorker(i, r.status);
      } catch (e) {
        if (isCancelled(e)) return setWorker(i, 'stopped');
        if (settled || attempt >= 1) {
          const why = `engine worker ${i + 1} stopped: ${message(e)}`;
          setWorker(i, 'stopped', why);
          if (!settled) {
            helperError = why;
            own.pause.abort();
          }
          return;
        }
        setWorker(i, 'starting', `restarted after: ${message(e)}`);
      }
    }
  };
  const helpersDone = Promise.all(Array.from({ length: count - 1 }, (_, k) => runHelper(k + 1)));
  let goOnAlone: string | null = null;
  try {
    const r = await mainCall;
    settled = true;
    merge.seen(0, r);
    setWorker(0, r.status);
    await helpersDone;
    showMerged(merge);
    runState.studyId = r.id;
    if (r.status === 'done') {
      runState.status = 'done';
      // The last progress message comes before the last unit is stored; the answer means all are.
      // (Read through a cast: the reset above narrows runState.latest to null for the checker, across the awaits.)
      const latest = runState.latest as StudyProgressWire | null;
      if (latest) runState.latest = { ...latest, unitsDone: latest.unitsTotal, etaSeconds: 0, tests: merge.tests, vectors: merge.vectors };
      if (r.results) setResults(r.results, `study “${r.results.study.name}” (finished in this browser)`);
    } else if (helperError && !userPaused) {
      goOnAlone = helperError;
    } else {
      runState.status = 'paused';
    }
  } catch (e) {
    settled = true;
    // The others wait for this worker's share: stop them where they can resume.
    own.pause.abort();
    await helpersDone;
    showMerged(merge);
    const crashed = e instanceof EngineError && e.code === 'WORKER_CRASHED';
    setWorker(0, 'stopped', message(e));
    runState.status = isCancelled(e) ? 'cancelled' : crashed ? 'interrupted' : 'error';
    runState.error = isCancelled(e) ? null : message(e);
  } finally {
    if (controls === own) controls = null;
  }
  const id = runState.studyId;
  if (goOnAlone && id) {
    runState.notice = `${goOnAlone}. Everything finished is kept; the study goes on with one worker.`;
    return drive(spec, id, tasks, (shard, o) => engine.resumeStudy({ id, ...shard, ...(tasks ? { tasks } : {}) }, o), 1);
  }
  void refreshStudies();
}

/**
 * Runs a new study; resolves when it finishes, pauses or fails (state says which). The worker first
 * adds the content digests of the model and the tasks' data to the spec (their unit keys carry
 * them), so this page plans and follows the same units the workers run.
 */
export async function startStudy(draft: StudySpecWire, tasks?: StudyTaskWire[]): Promise<void> {
  runState.studyId = null;
  runState.notice = null;
  // Busy from the click on ("Starting…"), not the last study's state while the worker keys the spec.
  runState.status = 'running';
  runState.latest = null;
  runState.error = null;
  runState.workers = [];
  let spec: StudySpecWire;
  try {
    // A spec keyed already (an analysis's) is checked by the worker's startStudy itself.
    spec = draft.modelDigest && draft.taskDigests ? draft : await engine.call('resolveStudySpec', { spec: draft, ...(tasks ? { tasks } : {}) });
  } catch (e) {
    pendingStop = null;
    runState.spec = draft;
    runState.status = 'error';
    runState.error = message(e);
    return;
  }
  runState.spec = spec;
  return drive(spec, null, tasks, (shard, options) => engine.startStudy({ spec, ...shard, ...(tasks ? { tasks } : {}) }, options));
}

/**
 * Resumes a study where it stopped. Its model is loaded first when another one (or none) is:
 * from the weight cache, with the Model screen's progress; a model of picked files cannot be.
 */
export async function resumeStudy(info: StudyInfo, tasks?: StudyTaskWire[]): Promise<void> {
  runState.spec = info.spec;
  runState.studyId = info.id;
  runState.notice = null;
  runState.error = null;
  if (modelState.summary?.modelId !== info.spec.model) {
    const source = sourceOfModel(info.spec.model);
    if (!source) {
      runState.status = 'error';
      runState.error = `the study was made with the model “${info.spec.model}”, which this browser cannot load by itself: load it on the Model screen, then resume`;
      return;
    }
    runState.status = 'loading';
    const summary = await loadModel(source);
    if (!summary || summary.modelId !== info.spec.model) {
      runState.status = 'error';
      runState.error = `loading ${describeSpec(source)} for the study failed: ${modelState.error?.message ?? `it loaded as “${summary?.modelId}”`}`;
      return;
    }
  }
  return drive(info.spec, info.id, tasks, (shard, options) => engine.resumeStudy({ id: info.id, ...shard, ...(tasks ? { tasks } : {}) }, options));
}

/** Pause or Cancel pressed before the study's workers started (startStudy keys the spec first). */
let pendingStop: 'pause' | 'cancel' | null = null;

/** Pause: every worker checkpoints its running unit and stops; Resume continues from there. */
export function pauseStudy(): void {
  if (!controls) {
    if (runState.status === 'running') {
      pendingStop = 'pause';
      runState.status = 'pausing';
    }
    return;
  }
  userPaused = true;
  runState.status = 'pausing';
  controls.pause.abort();
}

/** Cancel: stop and forget the study (the worker deletes its record; finished units stay reusable by key). */
export function cancelStudy(): void {
  if (!controls) {
    if (runState.status === 'running' || runState.status === 'pausing') {
      pendingStop = 'cancel';
      runState.status = 'cancelling';
    }
    return;
  }
  runState.status = 'cancelling';
  controls.cancel.abort();
}

/**
 * How a listed study's status reads: one the registry says is running while this page runs no
 * study was cut short (a reload, a closed tab) and is paused at its last checkpoints.
 */
export function listedStatus(s: StudyInfo): string {
  if (s.id === runState.studyId && runState.status === 'interrupted') return 'interrupted (the engine stopped) — resume';
  const here = s.id === runState.studyId && (runState.status === 'running' || runState.status === 'pausing' || runState.status === 'cancelling' || runState.status === 'loading');
  if (s.status === 'running' && !here) return 'interrupted — paused';
  return s.status;
}

/** A load of the last finished study's results is under way (refreshStudies may run twice at once). */
let opening = false;

export async function refreshStudies(): Promise<void> {
  try {
    const all = await engine.listStudies();
    runState.studies = all.filter((s): s is StudyInfo => !('damaged' in s));
    runState.damaged = all.filter((s): s is DamagedStudy => 'damaged' in s);
    runState.studiesError = null;
    // Results open on the last finished study (newest first) until something else is shown.
    const last = runState.studies.find((s) => s.status === 'done');
    if (last && !resultsState.results && !resultsState.error && !opening) {
      opening = true;
      await loadStudyResults(last.id).finally(() => (opening = false));
    }
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
