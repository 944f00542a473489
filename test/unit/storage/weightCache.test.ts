import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WeightsError } from '../../../src/shared/weights/errors';
import { WeightCache } from '../../../src/storage/weightCache';

let n = 0;
const freshName = () => `weights-test-${n++}`;
const bytesOf = (len: number, seed: number) => Uint8Array.from({ length: len }, (_, i) => (i * 31 + seed) & 255);

/** Everything in the database, to prove nothing half-written is left behind. */
async function rawCounts(dbName: string) {
  const db = await openDB(dbName);
  const counts = { manifests: await db.count('manifests'), chunks: await db.count('chunks'), pending: await db.count('pending') };
  db.close();
  return counts;
}

async function* chunksThenFail(data: Uint8Array, failAfter: number) {
  for (let off = 0, i = 0; off < data.byteLength; off += 7, i++) {
    if (i === failAfter) throw new Error('network went away');
    yield data.subarray(off, off + 7);
  }
}

const opened: WeightCache[] = [];
async function open(dbName: string, opts: Parameters<typeof WeightCache.open>[0] = {}) {
  const c = await WeightCache.open({ dbName, chunkBytes: 16, ...opts });
  opened.push(c);
  return c;
}
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
  vi.restoreAllMocks();
});

describe('WeightCache (IndexedDB)', () => {
  it('stores in chunks no larger than chunkBytes and reads back the same bytes', async () => {
    const name = freshName();
    const cache = await open(name);
    const data = bytesOf(100, 1);
    const info = await cache.put('k1', data, { etag: '"abc"' });
    expect(info).toMatchObject({ key: 'k1', size: 100, etag: '"abc"' });
    expect(await cache.has('k1')).toBe(true);
    expect(await cache.get('k1')).toEqual(data);
    const chunks: number[] = [];
    for await (const c of cache.read('k1')) chunks.push(c.byteLength);
    expect(chunks).toEqual([16, 16, 16, 16, 16, 16, 4]);
    expect(await rawCounts(name)).toEqual({ manifests: 1, chunks: 7, pending: 0 });
  });

  it('a chunk damaged in place (same size) is detected by its SHA-256 before any of it is returned', async () => {
    const name = freshName();
    const cache = await open(name);
    await cache.put('k', bytesOf(100, 7));
    const db = await openDB(name);
    const keys = await db.getAllKeys('chunks');
    const buf = new Uint8Array((await db.get('chunks', keys[2]!)) as ArrayBuffer);
    buf[5]! ^= 0x01;
    await db.put('chunks', buf.buffer, keys[2]!);
    db.close();
    const seen: number[] = [];
    const read = async () => {
      for await (const c of cache.read('k')) seen.push(c.byteLength);
    };
    await expect(read()).rejects.toSatisfy((e: unknown) => e instanceof WeightsError && e.code === 'cache' && /^k: cached chunk 3 of 7 is damaged \(its SHA-256 differs/.test(e.message));
    // The two intact chunks before it, never the damaged one.
    expect(seen).toEqual([16, 16]);
    await expect(cache.get('k')).rejects.toThrow(/chunk 3 of 7 is damaged/);
  });

  it('an entry stored without checksums (an older version) is not trusted', async () => {
    const name = freshName();
    const cache = await open(name);
    await cache.put('k', bytesOf(20, 8));
    const db = await openDB(name);
    const m = await db.get('manifests', 'k');
    delete m.sha256;
    await db.put('manifests', m);
    db.close();
    await expect(cache.get('k')).rejects.toThrow(/^k: the cached copy has no checksums/);
  });

  it('lists entries with sizes, totals them, deletes them with their chunks', async () => {
    const name = freshName();
    const cache = await open(name);
    await cache.put('b', bytesOf(40, 2));
    await cache.put('a', bytesOf(5, 3));
    expect((await cache.list()).map((e) => [e.key, e.size])).toEqual([['a', 5], ['b', 40]]);
    expect(await cache.totalSize()).toBe(45);
    expect(await cache.delete('b')).toBe(true);
    expect(await cache.delete('b')).toBe(false);
    expect(await cache.get('b')).toBeNull();
    expect(await rawCounts(name)).toEqual({ manifests: 1, chunks: 1, pending: 0 });
  });

  it('replacing an entry frees the old chunks only once the new version is complete', async () => {
    const name = freshName();
    const cache = await open(name);
    await cache.put('k', bytesOf(50, 4));
    const writer = await cache.begin('k', { etag: null });
    await writer.write(bytesOf(40, 5));
    // Mid-write the reader still sees the complete old version.
    expect(await cache.get('k')).toEqual(bytesOf(50, 4));
    await writer.commit();
    expect(await cache.get('k')).toEqual(bytesOf(40, 5));
    expect(await rawCounts(name)).toEqual({ manifests: 1, chunks: 3, pending: 0 });
  });

  it('a source failing mid-write leaves nothing visible and no chunks behind', async () => {
    const name = freshName();
    const cache = await open(name);
    await expect(cache.put('k', chunksThenFail(bytesOf(200, 6), 10))).rejects.toThrow('network went away');
    expect(await cache.has('k')).toBe(false);
    expect(await cache.get('k')).toBeNull();
    expect(await cache.list()).toEqual([]);
    expect(await rawCounts(name)).toEqual({ manifests: 0, chunks: 0, pending: 0 });
  });

  it('a quota error mid-write is reported as such and keeps the previous version intact', async () => {
    const name = freshName();
    const cache = await open(name, { estimate: async () => ({ usage: 900e6, quota: 1000e6 }) });
    await cache.put('k', bytesOf(30, 7));
    const realPut = IDBObjectStore.prototype.put;
    let chunkPuts = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'chunks' && ++chunkPuts === 3) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    const err = await cache.put('k', chunksThenFail(bytesOf(100, 8), 1000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect((err as WeightsError).code).toBe('quota');
    // The quota, the usage, what is free and what the failed write needed.
    expect((err as Error).message).toMatch(/storage is full \(900\.0 MB of 1000\.0 MB used, 100\.0 MB free; this write needed \d+ bytes\): k could not be cached/);
    vi.restoreAllMocks();
    expect(await cache.get('k')).toEqual(bytesOf(30, 7));
    expect(await rawCounts(name)).toEqual({ manifests: 1, chunks: 2, pending: 0 });
  });

  it('refuses up front when the storage estimate leaves too little room', async () => {
    const cache = await open(freshName(), { estimate: async () => ({ usage: 9.5e6, quota: 10e6 }) });
    const err = await cache.begin('big', { etag: null, size: 2e6 }).catch((e: unknown) => e);
    expect((err as WeightsError).code).toBe('quota');
    expect((err as Error).message).toContain('it needs 2.0 MB, 0.5 MB of 10.0 MB is free');
  });

  it('chunks of a write that never committed (a closed tab) are invisible and removed on the next open', async () => {
    const name = freshName();
    const cache = await open(name);
    const writer = await cache.begin('k', { etag: null });
    await writer.write(bytesOf(60, 9));
    expect(await cache.has('k')).toBe(false);
    expect((await rawCounts(name)).chunks).toBe(3);
    // A second tab opening now must not delete a write that may still be running...
    await open(name);
    expect((await rawCounts(name)).chunks).toBe(3);
    // ...but once it is stale, its chunks go.
    await open(name, { staleMs: 0 });
    expect(await rawCounts(name)).toEqual({ manifests: 0, chunks: 0, pending: 0 });
  });

  it('a reader is told when a chunk disappeared rather than given a mix', async () => {
    const name = freshName();
    const cache = await open(name);
    await cache.put('k', bytesOf(40, 10));
    const db = await openDB(name);
    const keys = await db.getAllKeys('chunks');
    await db.delete('chunks', keys[1]!);
    db.close();
    const err = await cache.get('k').catch((e: unknown) => e);
    expect((err as WeightsError).code).toBe('cache');
    expect((err as Error).message).toContain('k: cached chunk 2 of 3 is missing');
  });
});
