// The engine worker's contract (src/worker/engine.worker.ts): its method map, EngineMethods, and
// the payloads no other module owns. Types only, plus the backend choices: both
// sides compile this file (tsconfig.app.json and tsconfig.worker.json), so it imports nothing but
// src/shared and the generic protocol (./rpc.ts: request, result, error, progress, cancel, pause).
// A payload the core already defines is imported from src/shared, never restated here; where the
// wire form differs (NaN written as null, the study id added to progress) it is derived.
//
// To add a request: add one entry to EngineMethods and one handler to the worker's table. The
// bridge's typed method (engine.<name>(params, options)) and the message unions follow from the map.
import type { ParityRow } from '../shared/parity';
import type { Json } from '../shared/json';
import type { StudyProgress } from '../shared/study/plan';
import type { StudyResults } from '../shared/study/results';
import type { StudySpec } from '../shared/study/spec';
import type { TaskData } from '../shared/tasks/types';
import type { PhaseOverrides } from '../shared/tuning/config';

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';
/** What the user asks for: a backend, or `auto` (WebGPU on a real GPU, else wasm, webgl, cpu). */
export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm', 'webgl', 'cpu'];

export type WasmBuild = 'threaded-simd' | 'simd' | 'plain';

export interface AdapterReport {
  /** gpu: a hardware WebGPU adapter; fallback: a software one (SwiftShader, WARP); none: no WebGPU. */
  kind: 'gpu' | 'fallback' | 'none';
  /** Vendor / architecture / description as the browser reports them, or why there is none. */
  description: string;
}

interface InitParams {
  backend?: BackendChoice;
}

export interface InitResult {
  backend: BackendName;
  requested: BackendChoice;
  /** Why this backend runs (the auto rule that picked it, or the fallback after a failed override). */
  reason: string;
  adapter: AdapterReport;
  /** XNNPACK threads of the wasm backend (1 when not threaded or not on wasm). */
  threads: number;
  /** Which wasm binary runs (null when the backend is not wasm). */
  wasmBuild: WasmBuild | null;
  crossOriginIsolated: boolean;
  /** Backends that initialised or were tried and failed, in order, with the failure message. */
  attempts: { backend: BackendName; ok: boolean; error?: string }[];
}

export interface SelfTestParams {
  /** Number of matmul steps, 1..10000. */
  steps: number;
  /** Side of the square matrices, 1..256 (default 32). */
  size?: number;
}

export interface SelfTestProgress {
  step: number;
  steps: number;
  /** Max |tfjs - plain JS| over the product computed at this step. */
  maxAbsErr: number;
}

export interface SelfTestResult {
  backend: BackendName;
  steps: number;
  size: number;
  /** Max over all steps of |tfjs - plain JS reference|. */
  maxAbsErr: number;
  ms: number;
  /** tf.memory().numTensors after the run (must not grow between runs). */
  numTensors: number;
}

export interface ParityParams {
  /** Parsed config.json of the fixture model. */
  config: unknown;
  /** model.safetensors bytes. */
  model: Uint8Array;
  /** cases.safetensors bytes. */
  cases: Uint8Array;
}

export interface ParityResult {
  backend: BackendName;
  /** Tensor name -> how close it came to the reference (src/engine/parity.ts computes them). */
  rows: Record<string, ParityRow>;
}

// ---- model (handlers in src/worker/model.ts) --------------------------------------------------

/** Where a model comes from (core's ModelSource; picked File objects are posted as they are). */
export type ModelSourceSpec =
  | { kind: 'embedded'; name: string }
  | { kind: 'hub'; id: string; base?: string; revision?: string }
  | { kind: 'url'; baseUrl: string }
  | { kind: 'files'; files: File[] };

export interface LoadModelParams {
  source: ModelSourceSpec;
  /** The page URL: embedded models live at models/<name>/ next to index.html (a worker's own location is its script). */
  appBase: string;
  /** Check cached files against the server (HEAD: size + ETag) before using them. */
  revalidate?: boolean;
}

export interface LoadModelProgress {
  /** download / cache / read: bytes of `file`; build: weights into tensors; tokenizer: building it. */
  stage: 'download' | 'cache' | 'read' | 'build' | 'tokenizer';
  file: string;
  loaded: number;
  /** null while unknown (no Content-Length). */
  total: number | null;
}

interface ModelConfigSummary {
  encoderLayers: number;
  decoderLayers: number;
  dModel: number;
  heads: number;
  ffnDim: number;
  vocabSize: number;
  maxPositions: number;
}

export interface ModelSummary {
  /** Stable id of the loaded model (part of result keys): "hub:facebook/bart-base", "embedded:<name>" ... */
  modelId: string;
  /** SHA-256 of its config.json as artifacts record it (with modelId and d_model, the model's identity). */
  configSha256: string;
  /** Human description of the source. */
  source: string;
  config: ModelConfigSummary;
  /** Number of weights (tied embeddings counted once). */
  params: number;
  /** Files that came from the IndexedDB cache (empty: everything was downloaded or read). */
  fromCache: string[];
  /** Things that did not stop the load (cache full ...). */
  warnings: string[];
  backend: BackendName;
  loadMs: number;
}

interface CacheEntryInfo {
  key: string;
  /** The source folder URL the file belongs to, and the file name (parsed from the key). */
  source: string;
  file: string;
  size: number;
  storedAt: number;
}

export interface CacheListResult {
  entries: CacheEntryInfo[];
  totalSize: number;
}

export type CacheDeleteParams = { key: string } | { source: string } | { all: true };

export interface GenerateParams {
  inputs: string[];
  /** Soft prompt: none yet (the model as it is). */
  prompt?: null;
  /** Beam width (default 4, as the reference evaluates). */
  numBeams?: number;
  /** Default 64. */
  maxNewTokens?: number;
  /** Inputs are cut to this many tokens (default: the model's max positions, at most 512). */
  maxInputTokens?: number;
}

export interface GenerateResult {
  outputs: string[];
  modelId: string;
  backend: BackendName;
  ms: number;
}

// ---- studies (Run / Results screens; handlers in src/worker/study.ts) --------------------------

/** A study's phase overrides as the Run screen builds them, one phase at a time. */
export type PhaseOverridesWire = { -readonly [K in keyof PhaseOverrides]: PhaseOverrides[K] };

/** The study spec as the Run screen sends it; the worker validates it with parseStudySpec. */
export type StudySpecWire = StudySpec;

/** A task's data at one seed, for tasks that are not in the built-in world (imported files). */
export type StudyTaskWire = TaskData & { readonly seed: number };

export interface StartStudyParams {
  spec: StudySpecWire;
  /** Data for tasks outside the built-in world (every task x seed the spec needs). */
  tasks?: StudyTaskWire[];
  /** Checkpoint a running unit every this many steps (default 10). */
  checkpointEvery?: number;
  /**
   * This worker's share when several engine workers run the study together (runStudy's shard):
   * it computes the plan items numbered index mod count and collects the others' from the store.
   */
  shard?: { index: number; count: number };
}

/** Continue a paused (or interrupted) study: its id, and the same task data and cadence as at the start. */
export type ResumeStudyParams = { id: string } & Omit<StartStudyParams, 'spec'>;

/**
 * A helper worker's share of a study another worker runs (startStudy/resumeStudy with a shard):
 * it computes its items, collects the rest, and writes nothing but units (no registry, no results).
 */
export type JoinStudyParams = { id: string; shard: { index: number; count: number } } & Omit<StartStudyParams, 'spec' | 'shard'>;

/** Which units a worker has seen finished in this call, cumulative: what several workers' progress merges on. */
export interface StudyUnitsSeen {
  /** Units this worker found finished (stored earlier or by another worker) or finished itself. */
  readonly finished: readonly string[];
  /** The units among them that this worker trained. */
  readonly computed: readonly string[];
  /**
   * The test score of each of them that has one (PT, IST, random subspace), by unit key: what the
   * live curve (src/shared/study/live.ts) is drawn from while the study runs.
   */
  readonly tests?: Readonly<Record<string, number>>;
  /** The intrinsic vector z of each of them that has one (IST, random subspace): the live map's points. */
  readonly vectors?: Readonly<Record<string, readonly number[]>>;
}

export interface JoinStudyResult extends StudyUnitsSeen {
  id: string;
  status: 'done' | 'paused';
}

/** The runner's progress, plus the study id and how many units this call reused so far. */
export type StudyProgressWire = StudyProgress & StudyUnitsSeen & {
  readonly id: string;
  /** Units of this call so far that were finished before (earlier run, before a reload) and reused. */
  readonly reusedUnits: number;
};

type StudyStatus = 'running' | 'paused' | 'done' | 'failed';

export interface StudyInfo {
  id: string;
  spec: StudySpecWire;
  status: StudyStatus;
  createdAt: string;
  updatedAt: string;
  unitsDone: number;
  unitsTotal: number;
  error?: string;
}

/** A registry record listStudies could not read (the Run screen offers to delete it). */
export interface DamagedStudy {
  id: string;
  /** What is wrong with it ("status is missing", "spec: tasks.train must be a list" ...). */
  damaged: string;
}

type ResultTables = Json<Omit<StudyResults, 'study' | 'analysis'>>;
type VectorMap = Json<StudyResults['analysis'][string]>;
/** Tables an older results.json may lack (the Results screen shows what there is). */
type LateTable = 'e_abs' | 'stability' | 'phases' | 'e_rel_pt_std' | 'e_rel_pt_per_seed' | 'e_rel_n' | 'test_split' | 'unseen_data_denominator' | 'pt_std' | 'pt_diff' | 'baselines' | 'excluded' | 'rows';

/**
 * A finished study's tables as results.json holds them (the headless runner `npm run -s ipt` writes
 * the same file): StudyResults with NaN written as null (shared/json.ts), plus what the app adds.
 */
export type StudyResultsJson = Omit<ResultTables, LateTable> & Partial<Pick<ResultTables, LateTable>> & {
  study: StudySpecWire;
  /** pca()'s explained ratios are never NaN (0 without variance); pca3 and explained came later. */
  analysis?: Record<string, Omit<VectorMap, 'pca3' | 'explained'> & { pca3?: VectorMap['pca3']; explained?: number[] }>;
  backend?: string;
  seconds?: number;
  /** Task -> category (written by the app; results.json from the CLI may lack it). */
  categories?: Record<string, string>;
};

export interface StudyResult extends StudyUnitsSeen {
  id: string;
  status: 'done' | 'paused';
  /** Units this call reused instead of computing (see StudyProgressWire.reusedUnits). */
  reusedUnits: number;
  results?: StudyResultsJson;
}

// ---- explore (Explore screen; handlers in src/worker/explore.ts) -----------------------------

export interface TuneVectorParams {
  /** A projector bundle file (intrinsic-lab.projector safetensors). */
  projector: Uint8Array;
  task: string;
  /** The user's examples (input, one or more acceptable outputs); a quarter (at least 1) is held out as dev. */
  examples: { input: string; outputs: string[] }[];
  steps: number;
  lr: number;
  seed?: number;
  /** Use a projector made for another model (id or config.json hash differs); refused with MODEL_MISMATCH otherwise. */
  allowModelMismatch?: boolean;
  /** The SHA-256 of `projector`, computed once when the file was opened; the worker checks it when it builds. */
  projectorSha256?: string;
}

export interface TuneVectorProgress {
  step: number;
  totalSteps: number;
  loss: number;
  devScore?: number;
}

export interface TuneVectorResult {
  vector: number[];
  devScore: number | null;
  steps: number;
}

export interface WalkParams {
  projector: Uint8Array;
  /** The intrinsic vector z (length d_I) whose decoded prompt conditions the model. */
  vector: number[];
  task: string;
  inputs: string[];
  maxNewTokens?: number;
  /** As in TuneVectorParams. */
  allowModelMismatch?: boolean;
  /** As in TuneVectorParams. */
  projectorSha256?: string;
}

export interface WalkResult {
  outputs: string[];
  ms: number;
}

/** A study spec as the worker would run it: with the content digests of the loaded model and of the tasks' data. */
export interface ResolveStudySpecParams {
  spec: StudySpecWire;
  /** Data of imported tasks the spec names (built-in tasks need none). */
  tasks?: StudyTaskWire[];
}

/** Times a few PT steps of the loaded model at a study's PT settings (the Start page's estimate). */
export interface TimeStepsParams {
  spec: StudySpecWire;
  /** Timed steps after one warm-up step, 1..50. */
  steps: number;
  /** Data of imported tasks the spec names (built-in tasks need none). */
  tasks?: StudyTaskWire[];
}

export interface TimeStepsResult {
  /** Median ms of one training step of one task... */
  stepMs: number;
  /** ...of this many rows (the PT batch size). */
  rows: number;
  /** Median ms of one step shared by a group of the study's tasks, and its rows (absent: the model trains a unit at a time). */
  groupStepMs?: number;
  groupRows?: number;
  /** Ms per example of evaluating (generation and scoring), from two tasks' dev sets. */
  evalMsPerExample: number;
  /** Every task of the spec: its dev and test examples. */
  examples: Record<string, { dev: number; test: number }>;
  steps: number;
  /** The task that was timed (the study's first training task). */
  task: string;
  backend: BackendName;
}

/** The request table: method name -> its params, result and progress payloads. */
export interface EngineMethods {
  init: { params: InitParams; result: InitResult; progress: never };
  selfTest: { params: SelfTestParams; result: SelfTestResult; progress: SelfTestProgress };
  parity: { params: ParityParams; result: ParityResult; progress: never };
  resolveStudySpec: { params: ResolveStudySpecParams; result: StudySpecWire; progress: never };
  startStudy: { params: StartStudyParams; result: StudyResult; progress: StudyProgressWire };
  resumeStudy: { params: ResumeStudyParams; result: StudyResult; progress: StudyProgressWire };
  joinStudy: { params: JoinStudyParams; result: JoinStudyResult; progress: StudyProgressWire };
  listStudies: { params: Record<string, never>; result: (StudyInfo | DamagedStudy)[]; progress: never };
  getResults: { params: { id: string }; result: StudyResultsJson; progress: never };
  deleteStudy: { params: { id: string }; result: { deleted: number }; progress: never };
  tuneVector: { params: TuneVectorParams; result: TuneVectorResult; progress: TuneVectorProgress };
  walkSubspace: { params: WalkParams; result: WalkResult; progress: never };
  loadModel: { params: LoadModelParams; result: ModelSummary; progress: LoadModelProgress };
  modelInfo: { params: Record<string, never>; result: ModelSummary | null; progress: never };
  cacheList: { params: Record<string, never>; result: CacheListResult; progress: never };
  cacheDelete: { params: CacheDeleteParams; result: CacheListResult; progress: never };
  generate: { params: GenerateParams; result: GenerateResult; progress: never };
  timeSteps: { params: TimeStepsParams; result: TimeStepsResult; progress: never };
}

/** The engine's own event, besides the ready and log events of every worker: the backend changed (after init). */
export type BackendEvent = { kind: 'backend'; info: InitResult };
