// The typed contract between the UI thread and the engine worker (src/worker/engine.worker.ts).
// Types only: both sides compile this file (tsconfig.app.json and tsconfig.worker.json), so it
// must not import TF.js, the DOM or anything from src/engine, src/worker or src/node (only src/shared).
//
// Every call is a request with an id; the worker answers with exactly one `result` or `error`
// carrying that id, and may send any number of `progress` messages for it before that. A `cancel`
// with the same id asks the worker to stop cooperatively (it answers with an `error` whose code is
// CANCELLED); the worker itself is never terminated, so loaded weights and optimiser state survive.
//
// To add a request (load model, run study, tune ...): add one entry to EngineMethods and one
// handler in the worker's handler table; the bridge and the message unions follow from the map.

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

export interface InitParams {
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

export interface ParityRow {
  max_abs_err: number;
  max_rel_err: number;
  ok: boolean;
}

export interface ParityResult {
  backend: BackendName;
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

export interface ModelConfigSummary {
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

export interface CacheEntryInfo {
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

export type PresetName = 'paper' | 'browser' | 'smoke';
export const PRESET_NAMES: readonly PresetName[] = ['smoke', 'browser', 'paper'];

/** Per-phase setting overrides (pt, msf, ist, ft: any of their config keys). Plain JSON. */
export type PhaseOverridesWire = Partial<Record<'pt' | 'msf' | 'ist' | 'ft', Record<string, number | string | number[]>>>;

/** Same fields as StudySpec in src/engine/study/study.ts (the worker passes it on unchanged). */
export interface StudySpecWire {
  name: string;
  /** Id of the loaded model; part of every result key. */
  model: string;
  tasks: { train: string[]; test: string[] };
  dataSeed: number;
  diffSeed: number;
  intrinsicDims: number[];
  seeds: number[];
  preset?: PresetName;
  phases?: PhaseOverridesWire;
  randomSubspace?: boolean;
  iptInitPt?: boolean;
  taskPrefix?: boolean;
}

/** A task's data at one seed, for tasks that are not in the built-in world (imported files). */
export interface StudyTaskWire {
  name: string;
  seed: number;
  metric: string;
  train: { input: string; outputs: string[] }[];
  dev: { input: string; outputs: string[] }[];
  test: { input: string; outputs: string[] }[];
}

export interface StartStudyParams {
  spec: StudySpecWire;
  /** Data for tasks outside the built-in world (every task x seed the spec needs). */
  tasks?: StudyTaskWire[];
  /** Checkpoint a running unit every this many steps (default 10). */
  checkpointEvery?: number;
}

/** Same fields as StudyProgress in src/engine/study/study.ts, plus the study id. */
export interface StudyProgressWire {
  id: string;
  phase: 'pt' | 'msf' | 'ist' | 'random' | 'ipt_pt' | 'ft';
  unit: string;
  task?: string;
  dI?: number;
  seed: number;
  step?: number;
  totalSteps?: number;
  loss?: number;
  devScore?: number;
  unitsDone: number;
  unitsTotal: number;
  etaSeconds?: number;
  reused?: boolean;
  /** Units of this call so far that were finished before (earlier run, before a reload) and reused. */
  reusedUnits: number;
}

export type StudyStatus = 'running' | 'paused' | 'done' | 'failed';

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

/** The E_rel columns of the paper's Fig. 3 (one per challenge). */
export const EREL_KEYS = ['train_msf', 'test_msf', 'train_same_ist', 'train_diff_ist', 'test_ist'] as const;
export type ErelKey = (typeof EREL_KEYS)[number];
type Num = number | null;

/**
 * A finished study's tables: StudyResults of src/engine/study/study.ts as results.json holds it
 * (the headless runner `npm run -s ipt` writes the same file; NaN is written as null).
 */
export interface StudyResultsJson {
  study: StudySpecWire;
  phases?: unknown;
  e_rel_pt: Record<string, Record<ErelKey, Num>>;
  e_rel_pt_std?: Record<string, Record<ErelKey, Num>>;
  e_rel_pt_per_seed?: Record<string, Record<string, Record<ErelKey, Num>>>;
  random_subspace: Record<string, { test_ist: Num; test_ist_std: Num }>;
  pt: Record<string, Num>;
  pt_std?: Record<string, Num>;
  pt_diff?: Record<string, Num>;
  /** Trivial baselines per task (absent in results from before they existed). */
  baselines?: Record<string, { majority: Num; copy: Num }>;
  scores: Record<string, Record<string, Record<string, Num>>>;
  ipt_init_pt?: Record<string, Record<string, Num>>;
  excluded?: Record<string, { task: string; reason: string }[]>;
  analysis?: Record<string, { labels: string[]; pca2: number[][]; pca3?: number[][]; explained?: number[]; similarity: Num[][] }>;
  rows?: { seed: number; dI: number | null; setting: string; task: string; metric: string; score: Num; pt: Num }[];
  backend?: string;
  seconds?: number;
  /** Task -> category (written by the app; results.json from the CLI may lack it). */
  categories?: Record<string, string>;
}

export interface StudyResult {
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
}

export interface WalkResult {
  outputs: string[];
  ms: number;
}

/** The request table: method name -> its params, result and progress payloads. */
export interface EngineMethods {
  init: { params: InitParams; result: InitResult; progress: never };
  selfTest: { params: SelfTestParams; result: SelfTestResult; progress: SelfTestProgress };
  parity: { params: ParityParams; result: ParityResult; progress: never };
  studyPresets: { params: Record<string, never>; result: Record<PresetName, unknown>; progress: never };
  startStudy: { params: StartStudyParams; result: StudyResult; progress: StudyProgressWire };
  resumeStudy: { params: { id: string; tasks?: StudyTaskWire[]; checkpointEvery?: number }; result: StudyResult; progress: StudyProgressWire };
  listStudies: { params: Record<string, never>; result: StudyInfo[]; progress: never };
  getResults: { params: { id: string }; result: StudyResultsJson; progress: never };
  deleteStudy: { params: { id: string }; result: { deleted: number }; progress: never };
  tuneVector: { params: TuneVectorParams; result: TuneVectorResult; progress: TuneVectorProgress };
  walkSubspace: { params: WalkParams; result: WalkResult; progress: never };
  loadModel: { params: LoadModelParams; result: ModelSummary; progress: LoadModelProgress };
  modelInfo: { params: Record<string, never>; result: ModelSummary | null; progress: never };
  cacheList: { params: Record<string, never>; result: CacheListResult; progress: never };
  cacheDelete: { params: CacheDeleteParams; result: CacheListResult; progress: never };
  generate: { params: GenerateParams; result: GenerateResult; progress: never };
}

export type MethodName = keyof EngineMethods;
export type ParamsOf<M extends MethodName> = EngineMethods[M]['params'];
export type ResultOf<M extends MethodName> = EngineMethods[M]['result'];
export type ProgressOf<M extends MethodName> = EngineMethods[M]['progress'];

// ---- UI -> worker -------------------------------------------------------------------------

export type RequestMessage = {
  [M in MethodName]: {
    type: 'request';
    id: number;
    method: M;
    params: ParamsOf<M>;
    /** Minimum ms between progress messages for this call (default PROGRESS_INTERVAL_MS; 0 = every one). */
    progressIntervalMs?: number;
  };
}[MethodName];

export interface CancelMessage {
  type: 'cancel';
  id: number;
}

export type ToWorker = RequestMessage | CancelMessage;

// ---- worker -> UI -------------------------------------------------------------------------

export type ErrorCode =
  | 'CANCELLED' // the caller aborted; the worker stopped at its next checkpoint
  | 'BAD_REQUEST' // params failed validation (the message names the field)
  | 'UNKNOWN_METHOD'
  | 'BACKEND_UNAVAILABLE' // the requested backend could not initialise
  | 'WORKER_CRASHED' // the worker script failed to load or threw outside a request
  | 'NOT_FOUND' // a model file is missing (HTTP 404, or not among the picked files)
  | 'BAD_MODEL' // not a BART model, or the checkpoint / tokenizer does not fit its config.json
  | 'NETWORK' // the download failed or broke off
  | 'QUOTA' // the browser refused to store more
  | 'NO_MODEL' // the request needs a loaded model and none is
  | 'INTERNAL'; // anything else thrown while handling a request

export interface WireError {
  name: string;
  message: string;
  code: ErrorCode;
  stack?: string;
}

export type ResultMessage = {
  [M in MethodName]: { type: 'result'; id: number; method: M; result: ResultOf<M> };
}[MethodName];

export type ProgressMessage = {
  [M in MethodName]: { type: 'progress'; id: number; method: M; progress: ProgressOf<M> };
}[MethodName];

export interface ErrorMessage {
  type: 'error';
  id: number;
  method: MethodName | null;
  error: WireError;
}

/** Not tied to a call: state changes the UI may want to show. */
export type EngineEvent =
  | { kind: 'ready' } // the worker's module loaded and its message loop runs
  | { kind: 'backend'; info: InitResult } // the backend changed (after init)
  | { kind: 'log'; level: 'info' | 'warn'; message: string };

export interface EventMessage {
  type: 'event';
  event: EngineEvent;
}

export type FromWorker = ResultMessage | ProgressMessage | ErrorMessage | EventMessage;

export const PROGRESS_INTERVAL_MS = 100;
