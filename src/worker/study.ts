// Study requests (Run / Results screens): start, resume, list, results, delete. Every unit of work
// is checkpointed in IndexedDB (IdbRunStore), its prompts, projectors and vectors go to the
// Library (ArtifactStore) as items finish, and each study has a small registry record
// (`study/<id>`: spec, status, counts, the data of imported tasks), so a reload loses nothing:
// the Run screen lists unfinished studies and resumeStudy continues from the last checkpoints.
//
// The two control messages (src/protocol/rpc.ts) mean:
//   pause   the study writes a checkpoint of the running unit and answers {status: 'paused'};
//           resumeStudy continues from there.
//   cancel  the study stops and is forgotten (its registry record is deleted); the call rejects
//           with CANCELLED. Finished units stay in the store: any later study reuses them by key.
// Both take effect before the next training step: the runner yields to the event loop between steps
// (at most once every YIELD_MS, each turn a timer's delay) and the host reads the message then.
import * as tf from '@tensorflow/tfjs';
import type { RunRecord, JsonValue, RunStore } from '../shared/study/runStore';
import { runStudy } from '../engine/study/run';
import { CancelledError } from '../engine/tuning/loop';
import { planStudy, type StudyProgress } from '../shared/study/plan';
import type { StudyResults } from '../shared/study/results';
import { parseStudySpec, StudyError, type StudySpec } from '../shared/study/spec';
import { taskLookup, type TaskLookup } from '../shared/tasks/lookup';
import { toJsonText } from '../shared/json';
import { EngineError } from '../protocol/errors';
import type {
  ResolveStudySpecParams,
  DamagedStudy, JoinStudyParams, JoinStudyResult, ResumeStudyParams, StartStudyParams, StudyInfo, StudyProgressWire, StudyResult, StudyResultsJson, StudySpecWire, StudyTaskWire,
  StudyUnitsSeen,
} from '../protocol/messages';
import { ArtifactStore } from '../storage/artifactStore';
import { IdbRunStore } from '../storage/runStore';
import type { RequestContext } from './host';
import { FINE_TUNE_MAX_WEIGHTS, requireModel, type LoadedModel } from './model';
import { checkTaskDigests, taskDigests } from '../shared/study/digests';
import type { Bart } from '../engine/model/bart';

const REGISTRY = 'study/';
const RESULTS = 'studyresults/';
/** Checkpoint a running unit this often: also the points where a pause or cancel can land on wasm. */
const DEFAULT_CHECKPOINT_EVERY = 10;
/** Give control messages a turn at most this often (a turn costs a timer's delay, about 4 ms). */
const YIELD_MS = 100;

/** A yield hook that lets the event loop run when YIELD_MS have passed since its last turn. */
function throttledYield(yieldToControl: () => Promise<void>): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < YIELD_MS) return;
    await yieldToControl();
    last = Date.now();
  };
}

let storeInstance: IdbRunStore | null = null;
const store = () => (storeInstance ??= new IdbRunStore());
/** The Library: each PT prompt, MSF projector and IST vector lands here as its item finishes. */
let artifactInstance: ArtifactStore | null = null;
const artifactStore = () => (artifactInstance ??= new ArtifactStore());

/** Longest intrinsic vector sent with progress for the live map (a d_I; larger ones stay in the store). */
const MAX_LIVE_VECTOR = 1024;

/**
 * The run store as one call of the runner sees it, noting which units it finds finished (a
 * `result/` record read: stored earlier or by another worker) and which it stores itself (trained
 * here): the runner reads `result/<key>` before it trains a unit and writes it once trained.
 * Several workers of one study merge their progress on these lists (src/ui/stores/studyShards.ts).
 */
function trackedStore(inner: RunStore): { store: RunStore; seen: () => StudyUnitsSeen } {
  const finished = new Set<string>();
  const computed = new Set<string>();
  const tests: Record<string, number> = {};
  const vectors: Record<string, number[]> = {};
  const unit = (key: string) => (key.startsWith('result/') ? key.slice('result/'.length) : null);
  const score = (u: string, r: RunRecord) => {
    const t = r.meta.test;
    if (typeof t === 'number' && Number.isFinite(t)) tests[u] = t;
    // IST and random-subspace results keep their intrinsic vector: d_I numbers, for the live map.
    const z = r.tensors.z;
    if (z && z.data.length <= MAX_LIVE_VECTOR) vectors[u] = Array.from(z.data);
  };
  return {
    store: {
      async get(key) {
        const r = await inner.get(key);
        const u = unit(key);
        if (r && u !== null) {
          finished.add(u);
          score(u, r);
        }
        return r;
      },
      async put(record) {
        await inner.put(record);
        const u = unit(record.key);
        if (u !== null) {
          finished.add(u);
          computed.add(u);
          score(u, record);
        }
      },
      list: (prefix) => inner.list(prefix),
      delete: (key) => inner.delete(key),
    },
    seen: () => ({ finished: [...finished], computed: [...computed], tests: { ...tests }, vectors: { ...vectors } }),
  };
}

/** What listStudies reports of a study, plus the data of its imported tasks (for resuming). */
type Registry = Omit<StudyInfo, 'id'> & { tasks?: StudyTaskWire[] };

const STATUSES: readonly string[] = ['running', 'paused', 'done', 'failed'];

/**
 * What is wrong with a registry record's meta, or null when it is a study's: the shape listStudies
 * promises, and a spec the runner accepts. A damaged record (an older version's, a hand edit, a
 * broken write elsewhere) must not break the list for the others.
 */
function registryProblem(meta: unknown): string | null {
  if (!meta || typeof meta !== 'object') return 'the record holds no object';
  const r = meta as Record<string, unknown>;
  if (typeof r.status !== 'string' || !STATUSES.includes(r.status)) return `status must be one of ${STATUSES.join(', ')}, got ${JSON.stringify(r.status) ?? 'nothing'}`;
  for (const k of ['createdAt', 'updatedAt'] as const) if (typeof r[k] !== 'string') return `${k} must be a date string`;
  for (const k of ['unitsDone', 'unitsTotal'] as const) if (!Number.isInteger(r[k]) || (r[k] as number) < 0) return `${k} must be a non-negative integer`;
  if (r.error !== undefined && typeof r.error !== 'string') return 'error must be text';
  if (r.tasks !== undefined && !Array.isArray(r.tasks)) return 'tasks must be a list';
  try {
    parseStudySpec(r.spec as StudySpecWire, 'spec');
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return null;
}

async function readRegistry(id: string): Promise<Registry | undefined> {
  const c = await store().get(REGISTRY + id);
  if (!c) return undefined;
  const problem = registryProblem(c.meta);
  if (problem) throw new EngineError('BAD_REQUEST', `study "${id}" is damaged (${problem}); delete it on the Run screen`);
  return c.meta as unknown as Registry;
}

async function writeRegistry(id: string, r: Registry): Promise<void> {
  const c: RunRecord = { key: REGISTRY + id, kind: 'study', step: r.unitsDone, savedAt: r.updatedAt, meta: r as unknown as { [k: string]: JsonValue }, tensors: {} };
  await store().put(c);
}

/** NaN / Infinity are not JSON: results.json writes them as null, and so do we. */
function toJson(results: StudyResults): StudyResultsJson {
  return JSON.parse(toJsonText(results)) as StudyResultsJson;
}

/** The one spec validator (src/shared/study/spec.ts), its StudyError as a bad request. */
function checkSpec(spec: StudySpecWire): StudySpec {
  try {
    return parseStudySpec(spec, 'startStudy: spec');
  } catch (e) {
    if (e instanceof StudyError) throw new EngineError('BAD_REQUEST', e.message);
    throw e;
  }
}

/** Imported tasks sent with the study, then the built-in task world. */
function studyTasks(custom: readonly StudyTaskWire[] | undefined, kScale: number | undefined): TaskLookup {
  return taskLookup({ tasks: custom ?? [], origin: 'imported', ...(kScale === undefined ? {} : { kScale }) });
}

/** The loaded model, if it is the one the study was made with. */
function studyModel(reg: Registry, method: string) {
  const loaded = requireModel(method);
  if (loaded.id !== reg.spec.model) {
    throw new EngineError('BAD_REQUEST', `study "${reg.spec.name}" was made with model "${reg.spec.model}", but "${loaded.id}" is loaded; load that model first`);
  }
  if ((reg.spec.fineTune || reg.spec.multiTaskFt) && !loaded.trainable) {
    throw new EngineError('BAD_REQUEST', `study "${reg.spec.name}" fine-tunes every weight, which the tab does for models of up to ${FINE_TUNE_MAX_WEIGHTS.toLocaleString('en')} weights; this one has ${loaded.summary.params.toLocaleString('en')}. Run it headless: npm run -s ipt -- <study.json> (see the README)`);
  }
  // Random_all's projection holds about four numbers per weight (B, G, Pi and its inverse, padded to powers of two).
  if (reg.spec.randomAll && loaded.summary.params > FINE_TUNE_MAX_WEIGHTS) {
    throw new EngineError('BAD_REQUEST', `study "${reg.spec.name}" runs Random_all, a random subspace of every weight, which the tab does for models of up to ${FINE_TUNE_MAX_WEIGHTS.toLocaleString('en')} weights (its projection keeps about four numbers per weight); this one has ${loaded.summary.params.toLocaleString('en')}. Run it headless: npm run -s ipt -- <study.json> (see the README)`);
  }
  return loaded;
}

/** The runner's fine-tuning model, for a model small enough to keep its weights (worker/model.ts). */
function trainable(loaded: LoadedModel): { trainableModel?: () => Bart } {
  return loaded.trainable ? { trainableModel: loaded.trainable } : {};
}

/** The runner's shard option (it checks the numbers), or none for a study on one worker. */
function shardOption(shard: StartStudyParams['shard'], pollMs: number) {
  return shard ? { shard: { index: shard.index, count: shard.count, pollMs } } : {};
}

/**
 * How often a worker looks for a unit another worker computes: a unit takes seconds (the embedded
 * model's shortest are about a second on wasm), and a miss is one small IndexedDB read.
 */
const SHARD_POLL_MS = 250;

async function run(id: string, reg: Registry, context: RequestContext<StudyProgressWire>, checkpointEvery: number, shard?: StartStudyParams['shard']): Promise<StudyResult> {
  const loaded = studyModel(reg, 'startStudy');
  reg.status = 'running';
  reg.updatedAt = new Date().toISOString();
  await writeRegistry(id, reg);
  // Registry writes are chained (never two at once) and only when the unit count moves.
  let saving: Promise<void> = Promise.resolve();
  // Counted here, not in the UI: progress is throttled, and reused units pass in a burst.
  let reusedUnits = 0;
  const tracked = trackedStore(store());
  const onProgress = (p: StudyProgress) => {
    if (p.reused) reusedUnits++;
    context.progress({ id, ...p, reusedUnits, ...tracked.seen() });
    if (p.unitsDone !== reg.unitsDone || p.unitsTotal !== reg.unitsTotal) {
      reg.unitsDone = p.unitsDone;
      reg.unitsTotal = p.unitsTotal;
      reg.updatedAt = new Date().toISOString();
      const snapshot = { ...reg };
      saving = saving.then(() => writeRegistry(id, snapshot)).catch(() => undefined);
    }
  };
  const getTask = studyTasks(reg.tasks, reg.spec.kScale);
  try {
    const r = await runStudy(checkSpec(reg.spec), { ctx: { model: loaded.model, codec: loaded.codec }, getTask, store: tracked.store, ...trainable(loaded) }, {
      ...shardOption(shard, SHARD_POLL_MS),
      signal: context.signal,
      shouldPause: () => context.pauseSignal.aborted,
      onYield: throttledYield(() => context.yieldToControl()),
      onProgress,
      checkpointEvery,
      // Written here, in the worker, as items finish; a reused item's files are the same bytes, so
      // the same records (ids are the bytes' SHA-256). A full quota fails the study with the
      // store's message; Resume stores them once there is room.
      artifacts: {
        context: { identity: loaded.identity, category: (task) => getTask.category(task) },
        save: async (files) => {
          for (const f of files) await artifactStore().putStudyArtifact(f, { studyId: id, studyName: reg.spec.name });
        },
      },
    });
    await saving;
    reg.updatedAt = new Date().toISOString();
    if (r.status === 'paused') {
      reg.status = 'paused';
      await writeRegistry(id, reg);
      return { id, status: 'paused', reusedUnits, ...tracked.seen() };
    }
    const tasks = [...reg.spec.tasks.train, ...reg.spec.tasks.test];
    const json: StudyResultsJson = { ...toJson(r.results), backend: tf.getBackend(), categories: Object.fromEntries(tasks.map((t) => [t, getTask.category(t)])) };
    await store().put({ key: RESULTS + id, kind: 'study-results', step: reg.unitsTotal, savedAt: reg.updatedAt, meta: json as unknown as { [k: string]: JsonValue }, tensors: {} });
    reg.status = 'done';
    reg.unitsDone = reg.unitsTotal;
    await writeRegistry(id, reg);
    return { id, status: 'done', results: json, reusedUnits, ...tracked.seen() };
  } catch (e) {
    await saving;
    if (e instanceof CancelledError) {
      await deleteRecords(id);
      throw new EngineError('CANCELLED', `study "${reg.spec.name}" was cancelled`);
    }
    reg.status = 'failed';
    reg.error = e instanceof Error ? e.message : String(e);
    reg.updatedAt = new Date().toISOString();
    await writeRegistry(id, reg);
    if (e instanceof StudyError || e instanceof RangeError) throw new EngineError('BAD_REQUEST', `study "${reg.spec.name}": ${e.message}`);
    throw e;
  }
}

/**
 * The spec with the content digests its unit keys carry (shared/study/digests.ts): the loaded
 * model's weights and every task's data. A spec that already has them (a resolved one, a stored
 * study) is checked against the model and data it would run on now instead; `fill` false only
 * checks (a study stored before digests existed keeps its keys and its reuse).
 */
async function keyedSpec(spec: StudySpec, getTask: TaskLookup, loaded: LoadedModel, fill: boolean): Promise<StudySpec> {
  try {
    if (spec.modelDigest !== undefined && spec.modelDigest !== loaded.weightsDigest) {
      throw new StudyError(`study "${spec.name}": the weights of "${spec.model}" changed since the study started (${spec.modelDigest}, now ${loaded.weightsDigest}), so its stored runs are of another model; start a new study`);
    }
    if (spec.taskDigests) await checkTaskDigests(spec, getTask);
    if (!fill) return spec;
    return { ...spec, modelDigest: loaded.weightsDigest, ...(spec.taskDigests ? {} : { taskDigests: await taskDigests(spec, getTask) }) };
  } catch (e) {
    if (e instanceof StudyError) throw new EngineError('BAD_REQUEST', e.message);
    throw e;
  }
}

/** The spec a study of `params` would run: with its digests (the page plans and follows the study by its keys). */
export async function resolveStudySpec(params: ResolveStudySpecParams): Promise<StudySpecWire> {
  return keyedSpec(checkSpec(params.spec), studyTasks(params.tasks, params.spec.kScale), requireModel('resolveStudySpec'), true);
}

export async function startStudy(params: StartStudyParams, context: RequestContext<StudyProgressWire>): Promise<StudyResult> {
  const spec = await keyedSpec(checkSpec(params.spec), studyTasks(params.tasks, params.spec.kScale), requireModel('startStudy'), true);
  const now = new Date().toISOString();
  const id = `${now.replace(/[^0-9]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 8)}`;
  const reg: Registry = { spec, status: 'running', createdAt: now, updatedAt: now, unitsDone: 0, unitsTotal: 0, ...(params.tasks ? { tasks: params.tasks } : {}) };
  return run(id, reg, context, params.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY, params.shard);
}

export async function resumeStudy(params: ResumeStudyParams, context: RequestContext<StudyProgressWire>): Promise<StudyResult> {
  const reg = await readRegistry(params.id);
  if (!reg) throw new EngineError('BAD_REQUEST', `resumeStudy: no study with id "${params.id}" in this browser`);
  if (reg.status === 'done') return { id: params.id, status: 'done', results: await getResults({ id: params.id }), reusedUnits: reg.unitsTotal, finished: [], computed: [] };
  if (params.tasks) reg.tasks = params.tasks;
  delete reg.error;
  // Refused, not resumed, where the model or a task's data changed since the study started.
  await keyedSpec(checkSpec(reg.spec), studyTasks(reg.tasks, reg.spec.kScale), studyModel(reg, 'resumeStudy'), false);
  return run(params.id, reg, context, params.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY, params.shard);
}

/**
 * A helper worker's share of a study that another worker runs with a shard of the same count: the
 * same walk on the same store, computing its items and collecting the others'. The running worker
 * alone writes the registry, the results and the Library (it walks every item too); this one writes
 * only its units' checkpoints and results, each in one transaction, so the others read them whole.
 */
export async function joinStudy(params: JoinStudyParams, context: RequestContext<StudyProgressWire>): Promise<JoinStudyResult> {
  const reg = await readRegistry(params.id);
  if (!reg) throw new EngineError('BAD_REQUEST', `joinStudy: no study with id "${params.id}" in this browser`);
  const loaded = studyModel(reg, 'joinStudy');
  await keyedSpec(checkSpec(reg.spec), studyTasks(params.tasks ?? reg.tasks, reg.spec.kScale), loaded, false);
  const { id } = params;
  const tracked = trackedStore(store());
  let reusedUnits = 0;
  try {
    const r = await runStudy(checkSpec(reg.spec), { ctx: { model: loaded.model, codec: loaded.codec }, getTask: studyTasks(params.tasks ?? reg.tasks, reg.spec.kScale), store: tracked.store, ...trainable(loaded) }, {
      ...shardOption(params.shard, SHARD_POLL_MS),
      signal: context.signal,
      shouldPause: () => context.pauseSignal.aborted,
      onYield: throttledYield(() => context.yieldToControl()),
      onProgress: (p) => {
        if (p.reused) reusedUnits++;
        context.progress({ id, ...p, reusedUnits, ...tracked.seen() });
      },
      checkpointEvery: params.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
    });
    return { id, status: r.status, ...tracked.seen() };
  } catch (e) {
    if (e instanceof CancelledError) throw new EngineError('CANCELLED', `study "${reg.spec.name}" was cancelled`);
    if (e instanceof StudyError || e instanceof RangeError) throw new EngineError('BAD_REQUEST', `study "${reg.spec.name}": ${e.message}`);
    throw e;
  }
}

/** Every study of this browser, newest first; damaged records come last, each with what is wrong. */
export async function listStudies(): Promise<(StudyInfo | DamagedStudy)[]> {
  const studies: StudyInfo[] = [];
  const damaged: DamagedStudy[] = [];
  for (const c of await store().list(REGISTRY)) {
    const id = c.key.slice(REGISTRY.length);
    const problem = registryProblem(c.meta);
    if (problem) {
      damaged.push({ id, damaged: problem });
      continue;
    }
    const { tasks: _data, ...info } = c.meta as unknown as Registry;
    studies.push({ id, ...info });
  }
  return [...studies.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1)), ...damaged];
}

export async function getResults(params: { id: string }): Promise<StudyResultsJson> {
  const c = await store().get(RESULTS + params.id);
  if (!c) throw new EngineError('BAD_REQUEST', `getResults: study "${params.id}" has no results (not finished, or deleted)`);
  return c.meta as unknown as StudyResultsJson;
}

/** The registry record and results table of a study (what a cancel forgets; its units stay reusable by key). */
async function deleteRecords(id: string): Promise<number> {
  const keys = new Set([...(await store().list(REGISTRY + id)), ...(await store().list(RESULTS + id))].map((c) => c.key));
  let deleted = 0;
  for (const key of [REGISTRY + id, RESULTS + id]) {
    if (!keys.has(key)) continue;
    await store().delete(key);
    deleted++;
  }
  return deleted;
}

/**
 * "Forget": the registry record, the results table, and every unit of the study's plan, its
 * checkpoint (`ckpt/<key>`) and its result (`result/<key>`). Units are shared by key with other
 * studies of the same settings, which then compute them again; that is the point: a poisoned
 * checkpoint (NaN weights) must not come back in the next study. A damaged record (no readable
 * spec) loses only what it names.
 */
export async function deleteStudy(params: { id: string }): Promise<{ deleted: number }> {
  const record = await store().get(REGISTRY + params.id);
  let units: string[] = [];
  if (record && registryProblem(record.meta) === null) {
    // The runner plans with the same default (the worker's context sets no taskPrefix).
    const plan = planStudy(checkSpec((record.meta as unknown as Registry).spec));
    units = plan.batches.flatMap((b) => b.items.flatMap((it) => it.units.map((u) => u.key)));
  }
  const stored = new Set([...(await store().list('ckpt/')), ...(await store().list('result/'))].map((c) => c.key));
  let deleted = 0;
  for (const key of units.flatMap((u) => [`ckpt/${u}`, `result/${u}`])) {
    if (!stored.has(key)) continue;
    await store().delete(key);
    deleted++;
  }
  return { deleted: deleted + (await deleteRecords(params.id)) };
}
