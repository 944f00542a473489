// Byte sources for model files: a URL (streamed with fetch), a Blob/File, or bytes in memory, all
// read the same way, chunk by chunk, with progress, cancellation and errors that name the file.
import { abortError, WeightsError } from './errors';

/** The part of Blob/File the loader uses (structural, so core compiles without DOM types). */
export interface BlobLike {
  readonly size: number;
  stream(): ReadableStream<Uint8Array>;
}
export interface FileLike extends BlobLike {
  readonly name: string;
}

export interface ByteSource {
  /** Named in progress and errors: the file name, or the URL for downloads. */
  readonly name: string;
  /** Expected length, when known. */
  readonly total: number | null;
  readonly etag: string | null;
  /** The bytes; can be iterated once. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

export interface LoadProgress {
  /** File name, e.g. "model.safetensors". */
  readonly file: string;
  /** 'download' from the network, 'cache' from IndexedDB, 'read' from a local file or memory. */
  readonly phase: 'download' | 'cache' | 'read';
  readonly loaded: number;
  /** null while unknown (no Content-Length). */
  readonly total: number | null;
}
export type ProgressCallback = (p: LoadProgress) => void;

export type FetchLike = (input: string, init?: { signal?: AbortSignal; method?: string }) => Promise<Response>;

/** Reads a ReadableStream through its reader (async iteration of streams is missing in Chromium). */
async function* readStream(stream: ReadableStream<Uint8Array>, name: string, total: number | null, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let loaded = 0;
  let done = false;
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(name, signal);
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (signal?.aborted) throw abortError(name, signal);
        if (total !== null && loaded < total) {
          throw new WeightsError('truncated', `${name}: the connection broke after ${loaded} of ${total} bytes (${(e as Error).message})`, { file: name, cause: e });
        }
        throw new WeightsError('network', `${name}: reading failed after ${loaded} bytes (${(e as Error).message})`, { file: name, cause: e });
      }
      if (r.done) { done = true; break; }
      loaded += r.value.byteLength;
      yield r.value;
    }
    if (total !== null && loaded < total) {
      throw new WeightsError('truncated', `${name}: the body ended after ${loaded} of ${total} bytes (Content-Length)`, { file: name });
    }
  } finally {
    // Stops the download when the consumer gives up early (error, abort, validation failure).
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * Starts a download; resolves once the status and headers are in. 404 is 'not-found', other
 * non-2xx 'http-status', a failed fetch 'network'; all name the URL.
 */
export async function openUrl(url: string, opts: { fetch?: FetchLike; signal?: AbortSignal } = {}): Promise<ByteSource> {
  const doFetch: FetchLike = opts.fetch ?? ((u, init) => fetch(u, init));
  if (opts.signal?.aborted) throw abortError(url, opts.signal);
  let res: Response;
  try {
    res = await doFetch(url, opts.signal ? { signal: opts.signal } : {});
  } catch (e) {
    if (opts.signal?.aborted) throw abortError(url, opts.signal);
    throw new WeightsError('network', `${url}: could not be fetched (${(e as Error).message}); check the address and your connection`, { file: url, cause: e });
  }
  if (res.status === 404) {
    await res.body?.cancel().catch(() => undefined);
    throw new WeightsError('not-found', `${url}: not found (HTTP 404)`, { file: url, status: 404 });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new WeightsError('http-status', `${url}: the server answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, { file: url, status: res.status });
  }
  // With a content coding, Content-Length counts compressed bytes, not the ones we read.
  const encoding = res.headers.get('content-encoding');
  const lengthHeader = res.headers.get('content-length');
  const length = lengthHeader !== null && (!encoding || encoding === 'identity') ? Number(lengthHeader) : NaN;
  const total = Number.isSafeInteger(length) && length >= 0 ? length : null;
  // The Hub puts the LFS file's hash in X-Linked-Etag when it redirects to its CDN.
  const etag = res.headers.get('x-linked-etag') ?? res.headers.get('etag');
  const body = res.body ?? new Blob([]).stream();
  return { name: url, total, etag, chunks: readStream(body, url, total, opts.signal) };
}

export function openBlob(blob: BlobLike, name: string, signal?: AbortSignal): ByteSource {
  return { name, total: blob.size, etag: null, chunks: readStream(blob.stream(), name, blob.size, signal) };
}

/** Bytes in memory, handed out in slices (no copy) so progress still moves. */
export function openBytes(bytes: Uint8Array, name: string, chunkBytes = 1 << 22): ByteSource {
  async function* slices() {
    for (let off = 0; off < bytes.byteLength; off += chunkBytes) yield bytes.subarray(off, off + chunkBytes);
  }
  return { name, total: bytes.byteLength, etag: null, chunks: slices() };
}

/**
 * Reports progress while passing chunks through: monotonic, throttled to about 200 reports per
 * file, always one at the start and one when the source ends.
 */
export async function* withProgress(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  phase: LoadProgress['phase'],
  total: number | null,
  onProgress: ProgressCallback | undefined,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  let loaded = 0;
  let reported = 0;
  const step = total ? Math.max(1 << 16, Math.floor(total / 200)) : 1 << 20;
  onProgress?.({ file, phase, loaded: 0, total });
  for await (const chunk of chunks) {
    if (signal?.aborted) throw abortError(file, signal);
    loaded += chunk.byteLength;
    if (onProgress && loaded - reported >= step) {
      reported = loaded;
      onProgress({ file, phase, loaded, total: total !== null && loaded > total ? null : total });
    }
    yield chunk;
  }
  if (onProgress && reported !== loaded) onProgress({ file, phase, loaded, total: total !== null && loaded <= total ? total : loaded });
}

export async function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const c of chunks) { parts.push(c); total += c.byteLength; }
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.byteLength; }
  return out;
}
