// What the loader needs from a cache of downloaded files. The IndexedDB implementation lives in
// src/storage/weightCache.ts (core must not touch IndexedDB); tests and Node can pass any other.

export interface CachedFileInfo {
  readonly key: string;
  /** Bytes stored. */
  readonly size: number;
  /** The server's ETag when the file was downloaded, if it sent one. */
  readonly etag: string | null;
  /** Date.now() when the entry became visible. */
  readonly storedAt: number;
}

/**
 * Writes one file. Nothing is visible under the key until commit() resolves; abort() (or a failure
 * in write/commit) leaves the previous entry, if any, untouched.
 */
export interface CacheWriter {
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<CachedFileInfo>;
  abort(): Promise<void>;
}

export interface FileCache {
  /** The committed entry under key, or null. */
  info(key: string): Promise<CachedFileInfo | null>;
  /** The committed bytes under key, chunk by chunk; throws a WeightsError ('cache') when absent or damaged. */
  read(key: string): AsyncIterable<Uint8Array>;
  /** `size` (when known) lets the cache refuse up front when storage is too small. */
  begin(key: string, meta: { readonly etag: string | null; readonly size?: number | null }): Promise<CacheWriter>;
  /** Removes an entry; the loader uses it to drop a damaged one before downloading again. */
  delete?(key: string): Promise<boolean>;
}

/**
 * Cache key of one file of one source. Lookups must not touch the network (a cached model loads
 * offline), so the key names the source and file; the entry records size and ETag, and the "v1"
 * prefix changes if the stored layout ever does (old entries then simply stop matching).
 */
export function cacheKey(sourceKey: string, file: string): string {
  return `v1|${sourceKey}|${file}`;
}

/** The source and file a cache key names (for listing cached models in the UI). */
export function parseCacheKey(key: string): { version: string; sourceKey: string; file: string } | null {
  const m = /^(v\d+)\|(.*)\|([^|]+)$/.exec(key);
  return m ? { version: m[1]!, sourceKey: m[2]!, file: m[3]! } : null;
}
