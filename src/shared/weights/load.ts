// Brings a model (config + weights + tokenizer) from wherever it lives into the engine. Every
// source goes through one path: the embedded model is just a base URL in the Hub's file layout,
// a Hub model is {base}/{id}/resolve/main/{file}, and picked files are matched by name.
import { parseBartConfig, type BartConfig } from '../model/config';
import { collectBytes, openBlob, openBytes, openUrl, withProgress, type BlobLike, type ByteSource, type FetchLike, type FileLike, type LoadProgress, type ProgressCallback } from './bytes';
import { cacheKey, type CachedFileInfo, type CacheWriter, type FileCache } from './cache';
import { abortError, WeightsError } from './errors';
import { SafetensorsError, type Header, type SafetensorsFile, type Tensor } from './safetensors';
import { parseSafetensorsStream } from './stream';
import { checkFetchUrl, FetchUrlError } from './urls';
import { assertFiniteWeights, assertWeightsMatch, canonicalTensorName } from './validate';

export type ModelSource =
  /** Shipped with the app under public/models/<name>/ (served at models/<name>/ next to index.html). */
  | { readonly kind: 'embedded'; readonly name: string }
  /** A Hugging Face Hub repository, e.g. "facebook/bart-base". */
  | { readonly kind: 'hub'; readonly id: string; readonly base?: string; readonly revision?: string }
  /** Any folder URL holding the files. */
  | { readonly kind: 'url'; readonly baseUrl: string }
  /** Files the user picked (or Node's fs.openAsBlob), matched by name. */
  | { readonly kind: 'files'; readonly files: readonly FileLike[] };

export const DEFAULT_HUB_BASE = 'https://huggingface.co';

export const MODEL_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  tokenizer: 'tokenizer.json',
  /** Optional: facebook/bart-base has none. */
  tokenizerConfig: 'tokenizer_config.json',
} as const;

export interface LoadOptions {
  readonly onProgress?: ProgressCallback;
  readonly signal?: AbortSignal;
  /** Downloaded files are read from / written to this cache (files sources are never cached). */
  readonly cache?: FileCache;
  readonly fetch?: FetchLike;
  /**
   * URL the embedded models' "models/<name>/" is relative to: the app's root. Defaults to
   * globalThis.location, which in a worker is the worker script's URL, so a worker should pass it.
   */
  readonly appBase?: string;
  /**
   * Before using a cached file, ask the server (HEAD) whether it still has the same size and ETag,
   * and download it again if not. Off by default: a cached model then loads with no request at all
   * (offline too). When the server cannot be reached the cached copy is used, with a warning.
   */
  readonly revalidate?: boolean;
}

export interface LoadedModelFiles {
  readonly config: BartConfig;
  readonly configJson: unknown;
  /** By Hugging Face name (BartForConditionalGeneration layout, see canonicalTensorName). */
  readonly weights: Map<string, Tensor>;
  readonly tokenizerJson: unknown;
  readonly tokenizerConfigJson?: unknown;
  /** Files that came from the cache. */
  readonly fromCache: readonly string[];
  /** Things that did not stop the load (e.g. the cache was full), for the user to see. */
  readonly warnings: readonly string[];
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

/** `url` as given if checkFetchUrl allows it (an embedded model's URL is the app's own, not checked). */
function allowed(url: string, what: string): string {
  try {
    checkFetchUrl(url, what);
    return url;
  } catch (e) {
    if (e instanceof FetchUrlError) throw new WeightsError('refused-url', e.message, { cause: e });
    throw e;
  }
}

/** The folder URL a URL-like source reads from (ending in "/"), or null for picked files. */
export function sourceBaseUrl(source: ModelSource, appBase?: string): string | null {
  switch (source.kind) {
    case 'hub': {
      if (!/^[\w.-]+(\/[\w.-]+)?$/.test(source.id) || source.id.split('/').some((p) => p === '.' || p === '..')) {
        throw new WeightsError('not-found', `"${source.id}" is not a Hub model id (expected "owner/name")`);
      }
      const revision = encodeURIComponent(source.revision ?? 'main');
      return `${trimSlash(allowed(source.base ?? DEFAULT_HUB_BASE, 'Hub address'))}/${source.id}/resolve/${revision}/`;
    }
    case 'url':
      return `${trimSlash(allowed(source.baseUrl, 'model address'))}/`;
    case 'embedded': {
      const base = appBase ?? (globalThis as { location?: { href: string } }).location?.href;
      if (!base) throw new WeightsError('not-found', `embedded model "${source.name}": no app URL to resolve models/${source.name}/ against (pass appBase)`);
      return new URL(`models/${encodeURIComponent(source.name)}/`, base).href;
    }
    case 'files':
      return null;
  }
}

export function describeSource(source: ModelSource): string {
  switch (source.kind) {
    case 'hub': return `Hub model ${source.id}`;
    case 'url': return `model at ${source.baseUrl}`;
    case 'embedded': return `embedded model ${source.name}`;
    case 'files': return `picked files (${source.files.map((f) => f.name).join(', ')})`;
  }
}

/** Errors that mean stored bytes are bad (not a wrong config, not a cancel). */
function isDamage(e: unknown): boolean {
  if (e instanceof SafetensorsError) return true;
  return e instanceof WeightsError && (e.code === 'cache' || e.code === 'truncated' || e.code === 'bad-json');
}

function baseName(name: string): string {
  return name.slice(name.replace(/\\/g, '/').lastIndexOf('/') + 1);
}

interface Opened {
  readonly bytes: ByteSource;
  readonly fromCache: boolean;
  /** Set to null once a cache write failed, so nothing is committed. */
  writer: CacheWriter | null;
}

export async function loadModelFiles(source: ModelSource, opts: LoadOptions = {}): Promise<LoadedModelFiles> {
  const base = sourceBaseUrl(source, opts.appBase);
  const warnings: string[] = [];
  const fromCache: string[] = [];
  const cache = base !== null ? opts.cache : undefined;

  const open = async (file: string, useCache = true): Promise<Opened> => {
    if (base === null) {
      const files = (source as Extract<ModelSource, { kind: 'files' }>).files;
      const found = files.find((f) => baseName(f.name) === file);
      if (!found) {
        throw new WeightsError('not-found', `${file} is not among the picked files (${files.map((f) => f.name).join(', ') || 'none'})`, { file });
      }
      return { bytes: openBlob(found, file, opts.signal), fromCache: false, writer: null };
    }
    const key = cacheKey(base, file);
    if (cache && useCache) {
      let info: CachedFileInfo | null = null;
      try {
        info = await cache.info(key);
      } catch (e) {
        warnings.push(`the weight cache could not be read, downloading ${file}: ${(e as Error).message}`);
      }
      if (info && opts.revalidate && !(await stillCurrent(base + file, info))) info = null;
      if (info) return { bytes: { name: file, total: info.size, etag: info.etag, chunks: cache.read(key) }, fromCache: true, writer: null };
    }
    const bytes = await openUrl(base + file, { ...(opts.fetch ? { fetch: opts.fetch } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    let writer: CacheWriter | null = null;
    if (cache) {
      try {
        writer = await cache.begin(key, { etag: bytes.etag, size: bytes.total });
      } catch (e) {
        warnings.push(`${file} will not be cached: ${(e as Error).message}`);
      }
    }
    return { bytes, fromCache: false, writer };
  };

  /** Whether the server's copy still has the cached size and ETag (true when it cannot tell). */
  const stillCurrent = async (url: string, info: CachedFileInfo): Promise<boolean> => {
    const doFetch: FetchLike = opts.fetch ?? ((u, init) => fetch(u, init));
    try {
      const res = await doFetch(url, { method: 'HEAD', ...(opts.signal ? { signal: opts.signal } : {}) });
      if (!res.ok) {
        warnings.push(`${url}: HEAD answered HTTP ${res.status}; using the cached copy`);
        return true;
      }
      const etag = res.headers.get('x-linked-etag') ?? res.headers.get('etag');
      const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length') ?? NaN);
      if (etag !== null && info.etag !== null && etag !== info.etag) return false;
      if (Number.isSafeInteger(size) && size !== info.size && !res.headers.get('content-encoding')) return false;
      return true;
    } catch (e) {
      if (opts.signal?.aborted) throw abortError(url, opts.signal);
      warnings.push(`${url} could not be checked (${(e as Error).message}); using the cached copy`);
      return true;
    }
  };

  /** Streams one file through progress and (for downloads) into the cache writer. */
  const stream = (file: string, o: Opened): AsyncIterable<Uint8Array> => {
    const phase: LoadProgress['phase'] = o.fromCache ? 'cache' : base === null ? 'read' : 'download';
    const chunks = withProgress(o.bytes.chunks, file, phase, o.bytes.total, opts.onProgress, opts.signal);
    if (!o.writer) return chunks;
    const writer = o.writer;
    return (async function* () {
      for await (const c of chunks) {
        if (o.writer) {
          try {
            await writer.write(c);
          } catch (e) {
            // A full disk must not stop the model from loading: keep going without the cache.
            o.writer = null;
            warnings.push(`${file} was not cached: ${(e as Error).message}`);
            await writer.abort().catch(() => undefined);
          }
        }
        yield c;
      }
    })();
  };

  /** Runs `use` over a file, committing its cache entry only after `use` succeeded. */
  const withFile = async <T>(file: string, use: (chunks: AsyncIterable<Uint8Array>, o: Opened) => Promise<T>, useCache = true): Promise<T> => {
    const o = await open(file, useCache);
    if (o.fromCache) {
      try {
        return await withOpened(file, o, use);
      } catch (e) {
        // A damaged cache entry must not make the model unloadable: drop it and download again.
        if (!isDamage(e)) throw e;
        warnings.push(`the cached ${file} was damaged and is downloaded again: ${(e as Error).message}`);
        await cache?.delete?.(cacheKey(base!, file)).catch(() => undefined);
        try {
          return await withFile(file, use, false);
        } catch (again) {
          // Offline (or the server gone): say that the cached copy was damaged, not just "network".
          if (!(again instanceof WeightsError) || again.code === 'aborted') throw again;
          throw new WeightsError(again.code, `the cached ${file} was damaged (${(e as Error).message}) and downloading it again failed: ${again.message}`, { file, ...(again.tensor ? { tensor: again.tensor } : {}), problems: again.problems, ...(again.status === undefined ? {} : { status: again.status }), cause: again });
        }
      }
    }
    return withOpened(file, o, use);
  };

  const withOpened = async <T>(file: string, o: Opened, use: (chunks: AsyncIterable<Uint8Array>, o: Opened) => Promise<T>): Promise<T> => {
    let ok = false;
    try {
      const value = await use(stream(file, o), o);
      ok = true;
      return value;
    } finally {
      if (o.fromCache && ok) fromCache.push(file);
      if (o.writer) {
        if (ok) {
          try {
            await o.writer.commit();
          } catch (e) {
            warnings.push(`${file} was not cached: ${(e as Error).message}`);
            await o.writer.abort().catch(() => undefined);
          }
        } else {
          await o.writer.abort().catch(() => undefined);
        }
      }
    }
  };

  const readJson = (file: string) =>
    withFile(file, async (chunks, o) => {
      const bytes = await collectBytes(chunks);
      try {
        return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
      } catch (e) {
        throw new WeightsError('bad-json', `${o.bytes.name}: not valid JSON (${(e as Error).message})`, { file, cause: e });
      }
    });

  const configJson = await readJson(MODEL_FILES.config);
  const config = parseBartConfig(configJson, MODEL_FILES.config);
  const tokenizerJson = await readJson(MODEL_FILES.tokenizer);
  let tokenizerConfigJson: unknown;
  try {
    tokenizerConfigJson = await readJson(MODEL_FILES.tokenizerConfig);
  } catch (e) {
    if (!(e instanceof WeightsError)) throw e;
    if (e.code === 'aborted') throw e;
    if (e.code === 'network') warnings.push(`${MODEL_FILES.tokenizerConfig} could not be fetched, using defaults: ${e.message}`);
    else if (e.code !== 'not-found') throw e;
  }

  const file = await withFile(MODEL_FILES.weights, (chunks, o) =>
    parseSafetensorsStream(chunks, {
      source: o.bytes.name,
      totalBytes: o.bytes.total,
      // Fails a checkpoint that does not fit config.json before its data is downloaded.
      onHeader: (header) => assertWeightsMatch(config, header, o.bytes.name),
    }),
  );
  const weights = new Map<string, Tensor>();
  for (const [name, t] of file.tensors) weights.set(canonicalTensorName(name), t);
  assertFiniteWeights(weights, base === null ? MODEL_FILES.weights : base + MODEL_FILES.weights);

  return {
    config,
    configJson,
    weights,
    tokenizerJson,
    ...(tokenizerConfigJson === undefined ? {} : { tokenizerConfigJson }),
    fromCache,
    warnings,
  };
}

/** Where a single safetensors file comes from (for checkpoints other than a whole model, e.g. artifacts). */
export type SafetensorsInput =
  | { readonly url: string }
  | { readonly blob: BlobLike; readonly name: string }
  | { readonly bytes: Uint8Array; readonly name: string };

/**
 * Reads one safetensors file from a URL (streamed), a Blob/File, or memory, with the same progress,
 * cancellation and errors as model loading; with `config`, the header is checked against it first.
 */
export async function readSafetensors(
  input: SafetensorsInput,
  opts: { readonly config?: BartConfig; readonly onProgress?: ProgressCallback; readonly signal?: AbortSignal; readonly fetch?: FetchLike } = {},
): Promise<SafetensorsFile> {
  let src: ByteSource;
  let phase: LoadProgress['phase'] = 'read';
  if ('url' in input) {
    src = await openUrl(input.url, { ...(opts.fetch ? { fetch: opts.fetch } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    phase = 'download';
  } else if ('blob' in input) {
    src = openBlob(input.blob, input.name, opts.signal);
  } else {
    src = openBytes(input.bytes, input.name);
  }
  const file = baseName(src.name);
  const config = opts.config;
  return parseSafetensorsStream(withProgress(src.chunks, file, phase, src.total, opts.onProgress, opts.signal), {
    source: src.name,
    totalBytes: src.total,
    ...(config ? { onHeader: (h: Header) => assertWeightsMatch(config, h, src.name) } : {}),
  });
}
