// Downloads of artifacts the user names by URL (a projector bundle, typed or from a share link):
// only URLs the fetch rule allows, streamed with a size cap and a cancel, and refused at the
// first bytes when they cannot start a safetensors artifact, so a wrong or hostile URL costs a few
// kilobytes instead of the whole body.
import { checkFetchUrl, FetchUrlError } from '../weights/urls';
import { ArtifactError } from './errors';
import { ARTIFACT_MAX_HEADER_BYTES } from './metadata';

/**
 * Largest projector bundle downloaded. The paper's bart-base autoencoder (P = 100, d = 768, a 768
 * hidden layer) has a 768 x 76,800 output layer, 236 MB of float32, and with its encoder about
 * 472 MB; 512 MiB holds that with room for the header and the task vectors, and nothing the
 * app writes is larger.
 */
export const MAX_PROJECTOR_BYTES = 512 * 1024 * 1024;

export interface DownloadStart {
  readonly url: string;
  readonly host: string;
  /** Content-Length, or null when the server sends none. */
  readonly total: number | null;
}

export interface CappedFetchOptions {
  readonly signal?: AbortSignal;
  /** Injected for tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Defaults to MAX_PROJECTOR_BYTES. */
  readonly maxBytes?: number;
  /** Once the headers are in, before the body is read. */
  readonly onStart?: (start: DownloadStart) => void;
  readonly onProgress?: (loaded: number, total: number | null) => void;
  /**
   * The app's own URL (location.href): a URL of that same origin is the app's own file (the
   * shipped projector) and is fetched whatever its scheme, as the embedded model is; any other URL
   * must pass the fetch rule. Without it every URL must.
   */
  readonly appUrl?: string;
}

function tooLarge(name: string, bytes: number, max: number, how: string): ArtifactError {
  return new ArtifactError('too-large', `${name}: ${how} ${bytes} bytes, more than the ${max} bytes (${(max / 2 ** 20).toFixed(0)} MiB) a projector may have; nothing more was downloaded`);
}

/**
 * The first 9 bytes of a safetensors artifact: a little-endian u64 header length no larger than
 * ARTIFACT_MAX_HEADER_BYTES that fits in `total`, then the header's "{". Throws 'corrupt' (or
 * 'header-too-large') for anything else; returns false while fewer than 9 bytes are in.
 */
export function checkArtifactStart(first: Uint8Array, total: number | null, name: string): boolean {
  if (first.byteLength < 9) return false;
  const len = new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0, true);
  if (len > BigInt(ARTIFACT_MAX_HEADER_BYTES)) {
    throw new ArtifactError('header-too-large', `${name}: the first bytes claim a ${len}-byte header, more than the ${ARTIFACT_MAX_HEADER_BYTES} an artifact may have: not a projector bundle`);
  }
  if (total !== null && 8n + len > BigInt(total)) {
    throw new ArtifactError('corrupt', `${name}: the first bytes claim a ${len}-byte header, but the file is ${total} bytes: not a projector bundle`);
  }
  if (first[8] !== 0x7b) throw new ArtifactError('corrupt', `${name}: the header does not start with "{": not a safetensors file`);
  return true;
}

/**
 * Reads `stream` to the end into one buffer, cancelling it (so the connection closes) as soon as
 * more than `maxBytes` arrived, `signal` aborts, or `checkStart` throws on the first bytes.
 */
export async function readCapped(
  stream: ReadableStream<Uint8Array>,
  name: string,
  opts: { maxBytes: number; total: number | null; signal?: AbortSignal; onProgress?: (loaded: number, total: number | null) => void; checkStart?: (first: Uint8Array) => boolean },
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let started = !opts.checkStart;
  let done = false;
  const onAbort = () => void reader.cancel().catch(() => undefined);
  opts.signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (opts.signal?.aborted) throw abortError(name);
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (opts.signal?.aborted) throw abortError(name);
        throw new ArtifactError('fetch-failed', `${name}: the download broke after ${loaded} bytes (${(e as Error).message})`, { cause: e });
      }
      if (opts.signal?.aborted) throw abortError(name);
      if (r.done) { done = true; break; }
      loaded += r.value.byteLength;
      if (loaded > opts.maxBytes) throw tooLarge(name, loaded, opts.maxBytes, 'more than');
      chunks.push(r.value);
      if (!started) started = opts.checkStart!(concat(chunks, Math.min(loaded, 9)));
      opts.onProgress?.(loaded, opts.total);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  if (opts.total !== null && loaded < opts.total) {
    throw new ArtifactError('truncated', `${name}: the download ended after ${loaded} of ${opts.total} bytes (Content-Length)`);
  }
  if (!started) throw new ArtifactError('truncated', `${name}: the file is ${loaded} bytes, too short to start an artifact`);
  return concat(chunks, loaded);
}

function abortError(name: string): DOMException {
  return new DOMException(`${name}: download cancelled`, 'AbortError');
}

/** The first `n` bytes of `chunks` in one array (all of them for n = their total). */
function concat(chunks: readonly Uint8Array[], n: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength === n) return chunks[0]!;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    if (o >= n) break;
    const part = c.subarray(0, n - o);
    out.set(part, o);
    o += part.byteLength;
  }
  return out;
}

/**
 * Downloads a safetensors artifact from `url` (which must pass checkFetchUrl): refuses a
 * Content-Length over the cap before reading the body, and stops at the first bytes that cannot
 * start an artifact, or at the cap when the server sends no length.
 */
export async function fetchArtifactBytes(url: string, opts: CappedFetchOptions = {}): Promise<Uint8Array> {
  let u: URL;
  try {
    const own = opts.appUrl !== undefined && URL.canParse(url) && URL.canParse(opts.appUrl) && new URL(url).origin === new URL(opts.appUrl).origin && new URL(url).origin !== 'null';
    u = own ? new URL(url) : checkFetchUrl(url, 'projector URL');
  } catch (e) {
    if (e instanceof FetchUrlError) throw new ArtifactError('refused-url', e.message, { cause: e });
    throw e;
  }
  const max = opts.maxBytes ?? MAX_PROJECTOR_BYTES;
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(u.href, { signal: opts.signal });
  } catch (e) {
    if ((e as Error)?.name === 'AbortError') throw e;
    throw new ArtifactError('fetch-failed', `${u.href}: download failed (${(e as Error)?.message ?? String(e)})`, { cause: e });
  }
  const cancelBody = () => void res.body?.cancel().catch(() => undefined);
  if (!res.ok) {
    cancelBody();
    throw new ArtifactError('fetch-failed', `${u.href}: server answered ${res.status} ${res.statusText}`);
  }
  const length = res.headers.get('content-length');
  const total = length !== null && /^\d+$/.test(length) ? Number(length) : null;
  if (total !== null && total > max) {
    cancelBody();
    throw tooLarge(u.href, total, max, 'the server says it is');
  }
  opts.onStart?.({ url: u.href, host: u.host, total });
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  return readCapped(res.body, u.href, {
    maxBytes: max, total, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    checkStart: (first) => checkArtifactStart(first, total, u.href),
  });
}
