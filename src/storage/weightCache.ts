// IndexedDB cache of downloaded model files (database "intrinsic-lab-weights").
//
// A 558 MB checkpoint is stored as chunks of at most 16 MB (no single huge structured clone), each
// written in its own small transaction under a fresh write id while the download runs. The entry
// becomes visible only when the final transaction puts its manifest (and drops the chunks of the
// version it replaces), so a reader never sees a half-written file: after a failure, a crash or a
// full disk there is either the old complete entry or none. Chunks of writes that never committed
// are removed by abort() or, after a crash, by cleanupOrphans() on the next open.
// Every chunk's SHA-256 is stored in the manifest and checked when the chunk is read back, so a
// damaged entry (even one of the same size) fails as 'cache' before any of its bytes are used.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { CachedFileInfo, CacheWriter, FileCache } from '../shared/weights/cache';
import { WeightsError } from '../shared/weights/errors';
import { sha256Hex } from '../shared/artifacts/identity';
import { isQuotaError } from './idb';

const WEIGHT_DB_NAME = 'intrinsic-lab-weights';
const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;
/** A pending write older than this belongs to a tab that died; its chunks are garbage. */
const STALE_PENDING_MS = 60 * 60 * 1000;

interface Manifest {
  key: string;
  size: number;
  etag: string | null;
  storedAt: number;
  writeId: string;
  chunks: number;
  /** Lowercase hex SHA-256 of each chunk; absent in entries written before checksums existed. */
  sha256?: string[];
}
interface Pending {
  writeId: string;
  key: string;
  startedAt: number;
}
interface Schema extends DBSchema {
  manifests: { key: string; value: Manifest };
  chunks: { key: [string, number]; value: ArrayBuffer };
  pending: { key: string; value: Pending };
}

export interface WeightCacheOptions {
  readonly dbName?: string;
  /** Largest record; 16 MB by default (tests use small ones). */
  readonly chunkBytes?: number;
  /** Storage estimate used for the up-front quota check and in quota errors. */
  readonly estimate?: () => Promise<{ usage?: number; quota?: number }>;
  /** Pending writes older than this are removed on open (default one hour). */
  readonly staleMs?: number;
}

const MB = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
/** Sizes as MB, small ones (a test's chunk) as bytes. */
const sizeText = (n: number) => (n < 1e5 ? `${n} bytes` : MB(n));

function defaultEstimate(): (() => Promise<{ usage?: number; quota?: number }>) | undefined {
  const storage = (globalThis as { navigator?: { storage?: { estimate?: () => Promise<{ usage?: number; quota?: number }> } } }).navigator?.storage;
  return storage?.estimate ? () => storage.estimate!() : undefined;
}

let writeCounter = 0;
function newWriteId(): string {
  const rand = globalThis.crypto?.randomUUID?.() ?? Math.random().toString(36).slice(2);
  return `${Date.now().toString(36)}-${(writeCounter++).toString(36)}-${rand}`;
}

const chunkRange = (writeId: string) => IDBKeyRange.bound([writeId, 0], [writeId, Number.MAX_SAFE_INTEGER]);

export class WeightCache implements FileCache {
  private constructor(
    private readonly db: IDBPDatabase<Schema>,
    private readonly chunkBytes: number,
    private readonly estimate: (() => Promise<{ usage?: number; quota?: number }>) | undefined,
  ) {}

  static async open(opts: WeightCacheOptions = {}): Promise<WeightCache> {
    let db: IDBPDatabase<Schema>;
    try {
      db = await openDB<Schema>(opts.dbName ?? WEIGHT_DB_NAME, 1, {
        upgrade(d) {
          d.createObjectStore('manifests', { keyPath: 'key' });
          d.createObjectStore('chunks');
          d.createObjectStore('pending', { keyPath: 'writeId' });
        },
      });
    } catch (e) {
      throw new WeightsError('cache', `the weight cache (IndexedDB "${opts.dbName ?? WEIGHT_DB_NAME}") could not be opened: ${(e as Error).message}`, { cause: e });
    }
    const cache = new WeightCache(db, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES, opts.estimate ?? defaultEstimate());
    await cache.cleanupOrphans(opts.staleMs ?? STALE_PENDING_MS);
    return cache;
  }

  close(): void {
    this.db.close();
  }

  async info(key: string): Promise<CachedFileInfo | null> {
    const m = await this.db.get('manifests', key);
    return m ? toInfo(m) : null;
  }

  async has(key: string): Promise<boolean> {
    return (await this.db.count('manifests', key)) > 0;
  }

  async *read(key: string): AsyncGenerator<Uint8Array> {
    const m = await this.db.get('manifests', key);
    if (!m) throw new WeightsError('cache', `${key} is not in the weight cache`, { file: key });
    if (!m.sha256 || m.sha256.length !== m.chunks) {
      throw new WeightsError('cache', `${key}: the cached copy has no checksums (stored by an older version), so it cannot be trusted; delete it and load again`, { file: key });
    }
    let size = 0;
    for (let i = 0; i < m.chunks; i++) {
      // One small transaction per chunk keeps memory at one chunk; a concurrent replace can delete
      // the chunks under us, which is reported rather than returning a mix of two versions.
      const buf = await this.db.get('chunks', [m.writeId, i]);
      if (!buf) throw new WeightsError('cache', `${key}: cached chunk ${i + 1} of ${m.chunks} is missing (the entry was replaced or damaged); delete it and load again`, { file: key });
      if ((await sha256Hex(new Uint8Array(buf))) !== m.sha256[i]) {
        throw new WeightsError('cache', `${key}: cached chunk ${i + 1} of ${m.chunks} is damaged (its SHA-256 differs from the one stored with it); delete it and load again`, { file: key });
      }
      size += buf.byteLength;
      yield new Uint8Array(buf);
    }
    if (size !== m.size) throw new WeightsError('cache', `${key}: cache holds ${size} bytes but its manifest says ${m.size}`, { file: key });
  }

  /** The whole file in memory (for small files and tests; models should be read chunk by chunk). */
  async get(key: string): Promise<Uint8Array | null> {
    const m = await this.db.get('manifests', key);
    if (!m) return null;
    const out = new Uint8Array(m.size);
    let off = 0;
    for await (const c of this.read(key)) { out.set(c, off); off += c.byteLength; }
    return out;
  }

  async begin(key: string, meta: { readonly etag: string | null; readonly size?: number | null }): Promise<CacheWriter> {
    if (meta.size && this.estimate) {
      const est = await this.estimate().catch(() => null);
      if (est?.quota !== undefined && est.usage !== undefined) {
        // The old version of this key is freed only after the new one is complete.
        const free = est.quota - est.usage;
        if (free < meta.size) {
          throw new WeightsError('quota', `not enough browser storage to cache ${key}: it needs ${MB(meta.size)}, ${MB(Math.max(0, free))} of ${MB(est.quota)} is free; delete cached models or allow more storage`, { file: key });
        }
      }
    }
    const writeId = newWriteId();
    await this.db.put('pending', { writeId, key, startedAt: Date.now() });
    // Small files (config.json) get a small buffer instead of a 16 MB one.
    const first = meta.size ? Math.min(this.chunkBytes, Math.max(1, meta.size)) : this.chunkBytes;
    return new IdbWriter(this, key, writeId, meta.etag, this.chunkBytes, first);
  }

  /** Stores a whole file (bytes or chunks) under key; resolves when it is visible. */
  async put(key: string, data: Uint8Array | AsyncIterable<Uint8Array>, meta: { etag?: string | null } = {}): Promise<CachedFileInfo> {
    const size = data instanceof Uint8Array ? data.byteLength : null;
    const writer = await this.begin(key, { etag: meta.etag ?? null, size });
    try {
      if (data instanceof Uint8Array) {
        for (let off = 0; off < data.byteLength; off += this.chunkBytes) await writer.write(data.subarray(off, off + this.chunkBytes));
      } else {
        for await (const c of data) await writer.write(c);
      }
      return await writer.commit();
    } catch (e) {
      await writer.abort().catch(() => undefined);
      throw e;
    }
  }

  async delete(key: string): Promise<boolean> {
    const tx = this.db.transaction(['manifests', 'chunks'], 'readwrite');
    const m = await tx.objectStore('manifests').get(key);
    if (m) {
      await tx.objectStore('manifests').delete(key);
      await tx.objectStore('chunks').delete(chunkRange(m.writeId));
    }
    await tx.done;
    return m !== undefined;
  }

  async list(): Promise<CachedFileInfo[]> {
    return (await this.db.getAll('manifests')).map(toInfo).sort((a, b) => a.key.localeCompare(b.key));
  }

  async totalSize(): Promise<number> {
    return (await this.list()).reduce((s, e) => s + e.size, 0);
  }

  async clear(): Promise<void> {
    const tx = this.db.transaction(['manifests', 'chunks', 'pending'], 'readwrite');
    await Promise.all([tx.objectStore('manifests').clear(), tx.objectStore('chunks').clear(), tx.objectStore('pending').clear(), tx.done]);
  }

  /** Removes chunks no manifest points to, except those of writes younger than staleMs. */
  async cleanupOrphans(staleMs = STALE_PENDING_MS): Promise<number> {
    const tx = this.db.transaction(['manifests', 'chunks', 'pending'], 'readwrite');
    const live = new Set((await tx.objectStore('manifests').getAll()).map((m) => m.writeId));
    const now = Date.now();
    for (const p of await tx.objectStore('pending').getAll()) {
      if (now - p.startedAt < staleMs) live.add(p.writeId);
      else await tx.objectStore('pending').delete(p.writeId);
    }
    const dead = new Set<string>();
    for (const [writeId] of await tx.objectStore('chunks').getAllKeys()) if (!live.has(writeId)) dead.add(writeId);
    for (const writeId of dead) await tx.objectStore('chunks').delete(chunkRange(writeId));
    await tx.done;
    return dead.size;
  }

  /** @internal used by the writer */
  async storeChunk(key: string, writeId: string, index: number, data: ArrayBuffer): Promise<void> {
    try {
      await this.db.put('chunks', data, [writeId, index]);
    } catch (e) {
      throw await this.wrapWriteError(key, e, data.byteLength);
    }
  }

  /** @internal the one transaction that makes a write visible */
  async commitWrite(key: string, writeId: string, manifest: Omit<Manifest, 'key' | 'writeId'>): Promise<CachedFileInfo> {
    const m: Manifest = { key, writeId, ...manifest };
    try {
      const tx = this.db.transaction(['manifests', 'chunks', 'pending'], 'readwrite');
      const old = await tx.objectStore('manifests').get(key);
      await tx.objectStore('manifests').put(m);
      await tx.objectStore('pending').delete(writeId);
      if (old && old.writeId !== writeId) await tx.objectStore('chunks').delete(chunkRange(old.writeId));
      await tx.done;
    } catch (e) {
      throw await this.wrapWriteError(key, e);
    }
    return toInfo(m);
  }

  /** @internal */
  async abortWrite(writeId: string): Promise<void> {
    const tx = this.db.transaction(['chunks', 'pending'], 'readwrite');
    await Promise.all([tx.objectStore('chunks').delete(chunkRange(writeId)), tx.objectStore('pending').delete(writeId), tx.done]);
  }

  /** `bytes`: what the failed write needed, when known (one chunk), for the quota message. */
  private async wrapWriteError(key: string, e: unknown, bytes?: number): Promise<WeightsError> {
    if (e instanceof WeightsError) return e;
    if (isQuotaError(e)) {
      const est = await this.estimate?.().catch(() => null);
      const where = est?.quota !== undefined
        ? ` (${MB(est.usage ?? 0)} of ${MB(est.quota)} used, ${MB(Math.max(0, est.quota - (est.usage ?? 0)))} free${bytes !== undefined ? `; this write needed ${sizeText(bytes)}` : ''})`
        : bytes !== undefined ? ` (this write needed ${sizeText(bytes)})` : '';
      return new WeightsError('quota', `the browser's storage is full${where}: ${key} could not be cached; delete cached models or allow more storage`, { file: key, cause: e });
    }
    return new WeightsError('cache', `${key} could not be written to the weight cache: ${(e as Error)?.message ?? String(e)}`, { file: key, cause: e });
  }
}

class IdbWriter implements CacheWriter {
  private buffer: Uint8Array;
  private filled = 0;
  private chunks = 0;
  private readonly sha256: string[] = [];
  private size = 0;
  private state: 'open' | 'committed' | 'aborted' = 'open';

  constructor(
    private readonly cache: WeightCache,
    private readonly key: string,
    private readonly writeId: string,
    private readonly etag: string | null,
    private readonly chunkBytes: number,
    firstBuffer: number,
  ) {
    this.buffer = new Uint8Array(firstBuffer);
  }

  private check(): void {
    if (this.state !== 'open') throw new WeightsError('cache', `${this.key}: write already ${this.state}`, { file: this.key });
  }

  private async flush(): Promise<void> {
    if (this.filled === 0) return;
    const data = this.filled === this.buffer.byteLength ? this.buffer.buffer as ArrayBuffer : this.buffer.slice(0, this.filled).buffer;
    this.sha256.push(await sha256Hex(new Uint8Array(data)));
    await this.cache.storeChunk(this.key, this.writeId, this.chunks, data);
    this.chunks++;
    this.buffer = new Uint8Array(this.chunkBytes);
    this.filled = 0;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    let off = 0;
    while (off < chunk.byteLength) {
      if (this.filled === this.buffer.byteLength && this.buffer.byteLength < this.chunkBytes) {
        // The size hint was wrong (or absent): grow up to a full chunk.
        const grown = new Uint8Array(Math.min(this.chunkBytes, this.buffer.byteLength * 2));
        grown.set(this.buffer);
        this.buffer = grown;
      }
      const n = Math.min(chunk.byteLength - off, this.buffer.byteLength - this.filled);
      this.buffer.set(chunk.subarray(off, off + n), this.filled);
      this.filled += n;
      off += n;
      if (this.filled === this.chunkBytes) await this.flush();
    }
    this.size += chunk.byteLength;
  }

  async commit(): Promise<CachedFileInfo> {
    this.check();
    await this.flush();
    const info = await this.cache.commitWrite(this.key, this.writeId, { size: this.size, etag: this.etag, storedAt: Date.now(), chunks: this.chunks, sha256: this.sha256 });
    this.state = 'committed';
    return info;
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.buffer = new Uint8Array(0);
    await this.cache.abortWrite(this.writeId);
  }
}

function toInfo(m: Manifest): CachedFileInfo {
  return { key: m.key, size: m.size, etag: m.etag, storedAt: m.storedAt };
}
