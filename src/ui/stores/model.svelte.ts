// The Model screen's state as a serialisable snapshot, and the only functions that change it:
// loading (embedded, Hub, local files), the model cache, and trying the loaded model on a sample.
// The model itself lives in the engine worker; this holds what the UI shows about it.
import { EngineError, isCancelled } from '../../protocol/errors';
import type { CacheListResult, GenerateResult, LoadModelProgress, ModelSourceSpec, ModelSummary } from '../../protocol/messages';
import { EMBEDDED_MODEL } from '../../shared/embedded';
import { RateMeter } from '../components/format';
import { engine } from './engine.svelte';
import { EngineJob } from './job.svelte';

export { EMBEDDED_MODEL };
export const DEFAULT_HUB_BASE = 'https://huggingface.co';
export const SUGGESTED_HUB_MODEL = 'facebook/bart-base';

export interface LoadProgressView extends LoadModelProgress {
  /** Bytes (or tensors) per second, when it can tell. */
  rate: number | null;
  /** Seconds left for this file, when it can tell. */
  eta: number | null;
}

/** Where the loaded model came from, as the Model screen's Source choice shows it (no File objects). */
export type LoadedSource =
  | { kind: 'embedded'; name: string }
  | { kind: 'hub'; id: string; base: string }
  | { kind: 'url' | 'files' };

export interface ModelState {
  status: 'idle' | 'loading' | 'ready' | 'error' | 'cancelled';
  /** What is being loaded / was loaded last (for the status line). */
  sourceLabel: string;
  progress: LoadProgressView | null;
  summary: ModelSummary | null;
  /** The source of `summary`'s model (null when none is loaded), so the Model screen opens on it. */
  loadedSource: LoadedSource | null;
  error: { code: string; name: string; message: string } | null;
  /** null: not checked yet. */
  embeddedAvailable: boolean | null;
  cache: CacheListResult | null;
  cacheError: string | null;
  /** navigator.storage.persisted(); null where the browser has no Storage API. */
  persisted: boolean | null;
  storageEstimate: { usage: number; quota: number } | null;
  /** Set when the engine worker died: what happened, and what was done about the model. */
  engineStopped: string | null;
}

export const modelState: ModelState = $state({
  status: 'idle',
  sourceLabel: '',
  progress: null,
  summary: null,
  loadedSource: null,
  error: null,
  embeddedAvailable: null,
  cache: null,
  cacheError: null,
  persisted: null,
  storageEstimate: null,
  engineStopped: null,
});

let controller: AbortController | null = null;
/** What the last successful load loaded, to load it again after the engine worker died. */
let lastLoaded: ModelSourceSpec | null = null;

/** What the last successful load loaded (a study's other engine workers load the same). */
export function loadedSource(): ModelSourceSpec | null {
  return lastLoaded;
}

/**
 * Where each model id was loaded from in this browser (localStorage), so that resuming a study
 * after a reload can load its model again, from the weight cache, by itself. Picked files are not
 * kept: the browser cannot open them again without the user.
 */
const SOURCES_KEY = 'intrinsic-lab.modelSources';

function storedSources(): Record<string, ModelSourceSpec> {
  try {
    const v: unknown = JSON.parse(globalThis.localStorage?.getItem(SOURCES_KEY) ?? '{}');
    return v && typeof v === 'object' ? (v as Record<string, ModelSourceSpec>) : {};
  } catch {
    return {};
  }
}

function rememberSource(modelId: string, source: ModelSourceSpec): void {
  if (source.kind === 'files') return;
  try {
    globalThis.localStorage?.setItem(SOURCES_KEY, JSON.stringify({ ...storedSources(), [modelId]: source }));
  } catch {
    // Storage can be blocked (privacy settings): resuming then asks for the model.
  }
}

/** How to load the model a study names, or null when this browser cannot by itself (picked files, never loaded here). */
export function sourceOfModel(modelId: string): ModelSourceSpec | null {
  const stored = storedSources()[modelId];
  if (stored && typeof stored === 'object' && typeof stored.kind === 'string' && stored.kind !== 'files') return stored;
  const embedded = /^embedded:([\w.-]+)$/.exec(modelId);
  return embedded ? { kind: 'embedded', name: embedded[1]! } : null;
}

// The model lived in the worker and died with it. If it was ready, load it again (the weight
// cache makes that quick); a crash during a load is that load's error, not retried (it could crash again).
engine.onEvent((event) => {
  if (event.kind !== 'crashed') return;
  const again = modelState.status === 'ready' ? lastLoaded : null;
  modelState.summary = null;
  if (!again) modelState.loadedSource = null;
  if (!again) {
    modelState.engineStopped = `The engine stopped: ${event.message}.`;
    if (modelState.status === 'ready') modelState.status = 'idle';
    return;
  }
  modelState.engineStopped = `The engine stopped: ${event.message}. Loading ${describeSpec(again)} again…`;
  void loadModel(again, { recovering: true }).then((summary) => {
    if (summary) {
      const where = summary.fromCache.length > 0 ? 'from the browser cache' : 'again';
      modelState.engineStopped = `The engine stopped: ${event.message}. It was restarted and the model was loaded ${where}.`;
    }
  });
});

export function describeSpec(source: ModelSourceSpec): string {
  switch (source.kind) {
    case 'embedded':
      return `the embedded model ${source.name}`;
    case 'hub':
      return `${source.id} from ${source.base ?? DEFAULT_HUB_BASE}`;
    case 'url':
      return source.baseUrl;
    case 'files':
      return source.files.map((f) => f.name).join(', ');
  }
}

function loadedSourceOf(source: ModelSourceSpec): LoadedSource {
  switch (source.kind) {
    case 'embedded':
      return { kind: 'embedded', name: source.name };
    case 'hub':
      return { kind: 'hub', id: source.id, base: source.base ?? DEFAULT_HUB_BASE };
    default:
      return { kind: source.kind };
  }
}

/** Whether public/models/<name>/config.json is served (the embedded model may not be built yet). */
export async function checkEmbedded(name = EMBEDDED_MODEL): Promise<boolean> {
  try {
    const res = await fetch(new URL(`models/${name}/config.json`, location.href), { method: 'HEAD', cache: 'no-store' });
    // A SPA fallback could answer index.html with 200; only JSON counts.
    const ok = res.ok && !(res.headers.get('content-type') ?? '').includes('text/html');
    modelState.embeddedAvailable = ok;
    return ok;
  } catch {
    modelState.embeddedAvailable = false;
    return false;
  }
}

/** `revalidate`: ask the server whether cached files changed (HEAD, size + ETag) before using them. */
export async function loadModel(source: ModelSourceSpec, opts: { revalidate?: boolean; recovering?: boolean } = {}): Promise<ModelSummary | null> {
  controller?.abort();
  if (!opts.recovering) modelState.engineStopped = null;
  const own = new AbortController();
  controller = own;
  const meter = new RateMeter();
  let file = '';
  modelState.status = 'loading';
  modelState.sourceLabel = describeSpec(source);
  modelState.progress = null;
  modelState.error = null;
  try {
    const summary = await engine.call(
      'loadModel',
      { source, appBase: location.href, ...(opts.revalidate ? { revalidate: true } : {}) },
      {
        signal: own.signal,
        onProgress: (p) => {
          if (p.file !== file || p.stage !== modelState.progress?.stage) {
            file = p.file;
            meter.reset();
          }
          modelState.progress = { ...p, ...meter.sample(p.loaded, p.total) };
        },
      },
    );
    if (controller !== own) return summary;
    modelState.summary = summary;
    modelState.loadedSource = loadedSourceOf(source);
    modelState.status = 'ready';
    lastLoaded = source;
    rememberSource(summary.modelId, source);
    return summary;
  } catch (error) {
    if (controller !== own) return null;
    modelState.status = isCancelled(error) ? 'cancelled' : 'error';
    modelState.error = {
      code: error instanceof EngineError ? error.code : 'INTERNAL',
      name: error instanceof Error ? error.name : 'Error',
      message: error instanceof Error ? error.message : String(error),
    };
    // The worker dropped the previous model before building the new one only if it got that far.
    modelState.summary = await engine.call('modelInfo', {}).catch(() => null);
    if (!modelState.summary) modelState.loadedSource = null;
    return null;
  } finally {
    if (controller === own) controller = null;
    void refreshCache();
  }
}

export function cancelLoad(): void {
  controller?.abort();
}

export async function refreshModelInfo(): Promise<void> {
  modelState.summary = await engine.call('modelInfo', {}).catch(() => modelState.summary);
  if (modelState.summary && modelState.status === 'idle') modelState.status = 'ready';
}

export async function refreshCache(): Promise<void> {
  try {
    modelState.cache = await engine.call('cacheList', {});
    modelState.cacheError = null;
  } catch (error) {
    modelState.cacheError = error instanceof Error ? error.message : String(error);
  }
  await refreshStorage();
}

export async function deleteCached(what: { key: string } | { source: string } | { all: true }): Promise<void> {
  try {
    modelState.cache = await engine.call('cacheDelete', what);
    modelState.cacheError = null;
  } catch (error) {
    modelState.cacheError = error instanceof Error ? error.message : String(error);
  }
  await refreshStorage();
}

async function refreshStorage(): Promise<void> {
  const storage = globalThis.navigator?.storage;
  if (!storage) return;
  try {
    modelState.persisted = storage.persisted ? await storage.persisted() : null;
    const estimate = storage.estimate ? await storage.estimate() : null;
    modelState.storageEstimate = estimate ? { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0 } : null;
  } catch {
    // Storage APIs can be blocked (privacy settings); the cache list still shows.
  }
}

/** Asks the browser to keep the cache under storage pressure; it may say no (its choice). */
export async function requestPersistence(): Promise<boolean> {
  const storage = globalThis.navigator?.storage;
  if (!storage?.persist) return false;
  const granted = await storage.persist().catch(() => false);
  modelState.persisted = granted;
  return granted;
}

/** "Try the model": generate from one sample input with the loaded model. */
class SampleTrial extends EngineJob<GenerateResult> {
  /** The input field's text, kept with the answer. */
  sample: string | null = $state(null);
  generate(input: string, numBeams: number): Promise<void> {
    return this.run((signal, _onProgress, onQueue) => engine.call('generate', { inputs: [input], numBeams, maxNewTokens: 32 }, { signal, onQueue }));
  }
}

/**
 * The one trial of the page: it lives here, not in the Model screen, so an answer that comes while
 * the user is elsewhere (the call may wait behind a study) is there when they come back.
 */
export const sampleTrial = new SampleTrial();
