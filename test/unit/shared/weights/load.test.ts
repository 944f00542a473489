import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LoadProgress } from '../../../../src/shared/weights/bytes';
import { WeightsError } from '../../../../src/shared/weights/errors';
import { cacheKey, parseCacheKey } from '../../../../src/shared/weights/cache';
import { loadModelFiles, readSafetensors, sourceBaseUrl, type ModelSource } from '../../../../src/shared/weights/load';
import { parseSafetensors, writeSafetensors } from '../../../../src/shared/weights/safetensors';
import { WeightCache } from '../../../../src/storage/weightCache';
import { parseBartConfig } from '../../../../src/shared/model/config';
import { json, MEDIUM_CONFIG_JSON, serveHub, TINY_CONFIG, TINY_CONFIG_JSON, tinyCheckpoint, tinyTensors, type HubFile, type HubServer } from './helpers';

const ID = 'tester/tiny-bart';
const TOKENIZER = { version: '1.0', model: { type: 'BPE', vocab: { a: 0 }, merges: [] } };
const weights = tinyCheckpoint();
const goodFiles = (): Record<string, HubFile> => ({
  'config.json': json(TINY_CONFIG_JSON),
  'model.safetensors': weights,
  'tokenizer.json': json(TOKENIZER),
});

let servers: HubServer[] = [];
async function hub(files: Record<string, HubFile>) {
  const s = await serveHub(ID, files);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const hubSource = (s: HubServer): ModelSource => ({ kind: 'hub', id: ID, base: s.base });
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as WeightsError);

describe('loadModelFiles from a Hub-layout server', () => {
  it('loads config, weights and tokenizer; tokenizer_config.json is optional', async () => {
    const s = await hub(goodFiles());
    const m = await loadModelFiles(hubSource(s));
    expect(m.config.dModel).toBe(8);
    expect(m.configJson).toEqual(TINY_CONFIG_JSON);
    expect(m.tokenizerJson).toEqual(TOKENIZER);
    expect(m.tokenizerConfigJson).toBeUndefined();
    const ref = parseSafetensors(weights);
    expect([...m.weights.keys()].sort()).toEqual([...ref.tensors.keys()].sort());
    expect(Array.from(m.weights.get('model.decoder.layers.0.fc1.weight')!.data)).toEqual(Array.from(ref.tensors.get('model.decoder.layers.0.fc1.weight')!.data));
    expect(s.hits.get(`/${ID}/resolve/main/tokenizer_config.json`)).toBe(1);
  });

  it('reads tokenizer_config.json when present', async () => {
    const s = await hub({ ...goodFiles(), 'tokenizer_config.json': json({ tokenizer_class: 'BartTokenizer' }) });
    expect((await loadModelFiles(hubSource(s))).tokenizerConfigJson).toEqual({ tokenizer_class: 'BartTokenizer' });
  });

  it('a missing file is a 404 error naming its URL', async () => {
    const files = goodFiles();
    delete files['model.safetensors'];
    const s = await hub(files);
    const e = await failure(loadModelFiles(hubSource(s)));
    expect(e.code).toBe('not-found');
    expect(e.status).toBe(404);
    expect(e.message).toBe(`${s.base}/${ID}/resolve/main/model.safetensors: not found (HTTP 404)`);
  });

  it('another status is reported with its code', async () => {
    const s = await hub({ ...goodFiles(), 'config.json': { status: 503 } });
    const e = await failure(loadModelFiles(hubSource(s)));
    expect(e.code).toBe('http-status');
    expect(e.message).toContain('config.json: the server answered HTTP 503');
  });

  it('a body shorter than Content-Length is a truncation error naming the file', async () => {
    const s = await hub({ ...goodFiles(), 'model.safetensors': { truncate: weights, send: weights.byteLength - 500 } });
    const e = await failure(loadModelFiles(hubSource(s)));
    expect(e.code).toBe('truncated');
    expect(e.message).toContain('model.safetensors');
    expect(e.message).toContain(`of ${weights.byteLength} bytes`);
  });

  it('a refused connection is a network error', async () => {
    const s = await hub(goodFiles());
    await s.close();
    servers = [];
    const e = await failure(loadModelFiles(hubSource(s)));
    expect(e.code).toBe('network');
    expect(e.message).toContain(`${s.base}/${ID}/resolve/main/config.json: could not be fetched`);
  });

  it('progress is monotonic per file and reaches the total', async () => {
    const weights = tinyCheckpoint(parseBartConfig(MEDIUM_CONFIG_JSON));
    const s = await hub({ ...goodFiles(), 'config.json': json(MEDIUM_CONFIG_JSON), 'model.safetensors': weights });
    const events: LoadProgress[] = [];
    await loadModelFiles(hubSource(s), { onProgress: (p) => events.push(p) });
    const w = events.filter((e) => e.file === 'model.safetensors');
    expect(w.length).toBeGreaterThan(5);
    expect(w.every((e) => e.phase === 'download' && e.total === weights.byteLength)).toBe(true);
    for (let i = 1; i < w.length; i++) expect(w[i]!.loaded).toBeGreaterThan(w[i - 1]!.loaded);
    expect(w.at(-1)!.loaded).toBe(weights.byteLength);
    // tokenizer_config.json is absent (404), so it never starts.
    expect(new Set(events.map((e) => e.file))).toEqual(new Set(['config.json', 'tokenizer.json', 'model.safetensors']));
  });

  it('stops when the signal aborts', async () => {
    const weights = tinyCheckpoint(parseBartConfig(MEDIUM_CONFIG_JSON));
    const s = await hub({ ...goodFiles(), 'config.json': json(MEDIUM_CONFIG_JSON), 'model.safetensors': weights });
    const ctrl = new AbortController();
    const e = await failure(loadModelFiles(hubSource(s), {
      signal: ctrl.signal,
      onProgress: (p) => { if (p.file === 'model.safetensors' && p.loaded > 0) ctrl.abort(new Error('user cancelled')); },
    }));
    expect(e.code).toBe('aborted');
    expect(e.message).toContain('user cancelled');
    expect(e.message).toContain('model.safetensors');
  });

  it('a checkpoint that does not fit config.json fails with the tensors named', async () => {
    const s = await hub({ ...goodFiles(), 'config.json': json({ ...TINY_CONFIG_JSON, encoder_ffn_dim: 32 }) });
    const e = await failure(loadModelFiles(hubSource(s)));
    expect(e.code).toBe('weights-mismatch');
    expect(e.message).toContain('tensor "model.encoder.layers.0.fc1.weight" has shape [16, 8] but the config needs [32, 8]');
  });

  it('the second load comes from the IndexedDB cache without requesting the weights', async () => {
    const s = await hub(goodFiles());
    const cache = await WeightCache.open({ dbName: 'load-test-cache', chunkBytes: 4096 });
    try {
      const first = await loadModelFiles(hubSource(s), { cache });
      expect(first.fromCache).toEqual([]);
      expect((await cache.list()).map((e) => e.key.split('|').at(-1)).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
      const events: LoadProgress[] = [];
      const second = await loadModelFiles(hubSource(s), { cache, onProgress: (p) => events.push(p) });
      expect(s.hits.get(`/${ID}/resolve/main/model.safetensors`)).toBe(1);
      expect(second.fromCache).toEqual(['config.json', 'tokenizer.json', 'model.safetensors']);
      expect(events.filter((e) => e.file === 'model.safetensors').every((e) => e.phase === 'cache')).toBe(true);
      for (const [name, t] of first.weights) expect(Array.from(second.weights.get(name)!.data), name).toEqual(Array.from(t.data));
    } finally {
      cache.close();
    }
  });

  it('a full disk does not stop the load: the model loads, is not cached, and the quota is reported', async () => {
    const s = await hub(goodFiles());
    const cache = await WeightCache.open({ dbName: 'load-test-quota', chunkBytes: 4096 });
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'chunks' && args[0] instanceof ArrayBuffer && args[0].byteLength === 4096) throw new DOMException('quota', 'QuotaExceededError');
      return realPut.apply(this, args);
    });
    try {
      const m = await loadModelFiles(hubSource(s), { cache });
      expect(m.weights.size).toBe(parseSafetensors(weights).tensors.size);
      expect(m.warnings).toHaveLength(1);
      expect(m.warnings[0]).toMatch(/^model\.safetensors was not cached: the browser's storage is full/);
      vi.restoreAllMocks();
      expect((await cache.list()).map((e) => parseCacheKey(e.key)?.file).sort()).toEqual(['config.json', 'tokenizer.json']);
    } finally {
      vi.restoreAllMocks();
      cache.close();
    }
  });

  it('with revalidate, a cached file the server has changed is downloaded again', async () => {
    const files = goodFiles();
    const s = await hub(files);
    const cache = await WeightCache.open({ dbName: 'load-test-revalidate', chunkBytes: 4096 });
    const path = `/${ID}/resolve/main/model.safetensors`;
    try {
      await loadModelFiles(hubSource(s), { cache });
      const unchanged = await loadModelFiles(hubSource(s), { cache, revalidate: true });
      expect(unchanged.fromCache).toContain('model.safetensors');
      expect(s.hits.get(path)).toBe(2); // the first GET and one HEAD
      // Same size, other values: only the ETag tells.
      const t = tinyTensors();
      t['final_logits_bias'] = { shape: [1, 24], data: new Float32Array(24).fill(0.5) };
      files['model.safetensors'] = writeSafetensors(t);
      const stale = await loadModelFiles(hubSource(s), { cache });
      expect(stale.weights.get('final_logits_bias')!.data[0]).not.toBe(0.5);
      const fresh = await loadModelFiles(hubSource(s), { cache, revalidate: true });
      expect(fresh.fromCache).not.toContain('model.safetensors');
      expect(fresh.weights.get('final_logits_bias')!.data[0]).toBe(0.5);
      const after = await loadModelFiles(hubSource(s), { cache });
      expect(after.fromCache).toContain('model.safetensors');
      expect(after.weights.get('final_logits_bias')!.data[0]).toBe(0.5);
    } finally {
      cache.close();
    }
  });

  it('with revalidate and the server gone, the cached copy is used with a warning', async () => {
    const s = await hub(goodFiles());
    const cache = await WeightCache.open({ dbName: 'load-test-revalidate-offline' });
    try {
      await loadModelFiles(hubSource(s), { cache });
      await s.close();
      servers = [];
      const offline = await loadModelFiles(hubSource(s), { cache, revalidate: true });
      expect(offline.fromCache).toEqual(['config.json', 'tokenizer.json', 'model.safetensors']);
      expect(offline.warnings.filter((w) => w.includes('could not be checked'))).toHaveLength(3);
    } finally {
      cache.close();
    }
  });

  it('a damaged cache entry is dropped and downloaded again', async () => {
    const s = await hub(goodFiles());
    const cache = await WeightCache.open({ dbName: 'load-test-damaged', chunkBytes: 4096 });
    try {
      await loadModelFiles(hubSource(s), { cache });
      const db = await openDB('load-test-damaged');
      const keys = await db.getAllKeys('chunks');
      await db.delete('chunks', keys[keys.length - 2]!); // the weights have the most chunks
      db.close();
      const again = await loadModelFiles(hubSource(s), { cache });
      expect(again.warnings).toHaveLength(1);
      expect(again.warnings[0]).toMatch(/^the cached model\.safetensors was damaged and is downloaded again: .*cached chunk \d of 4 is missing/);
      expect(again.fromCache).toEqual(['config.json', 'tokenizer.json']);
      expect(s.hits.get(`/${ID}/resolve/main/model.safetensors`)).toBe(2);
      const third = await loadModelFiles(hubSource(s), { cache });
      expect(third.warnings).toEqual([]);
      expect(third.fromCache).toContain('model.safetensors');
      expect(Array.from(third.weights.get('model.shared.weight')!.data)).toEqual(Array.from(parseSafetensors(weights).tensors.get('model.shared.weight')!.data));
    } finally {
      cache.close();
    }
  });

  it('a cache entry damaged in place (same size) is caught by its SHA-256: downloaded again, never loaded', async () => {
    const s = await hub(goodFiles());
    const cache = await WeightCache.open({ dbName: 'load-test-flipped', chunkBytes: 4096 });
    const flipOneByte = async () => {
      const db = await openDB('load-test-flipped');
      const m = (await db.getAll('manifests')).find((x: { key: string }) => x.key.endsWith('model.safetensors'));
      const key = [m.writeId, 2];
      const buf = new Uint8Array(await db.get('chunks', key));
      buf[100]! ^= 0x40; // a low mantissa byte in tensor data (the header ends at 5056): the file still parses, one weight is off
      await db.put('chunks', buf.buffer, key);
      db.close();
    };
    try {
      await loadModelFiles(hubSource(s), { cache });
      await flipOneByte();
      const again = await loadModelFiles(hubSource(s), { cache });
      expect(again.warnings).toHaveLength(1);
      expect(again.warnings[0]).toMatch(/^the cached model\.safetensors was damaged and is downloaded again: .*cached chunk 3 of 4 is damaged \(its SHA-256 differs/);
      expect(again.fromCache).toEqual(['config.json', 'tokenizer.json']);
      expect(s.hits.get(`/${ID}/resolve/main/model.safetensors`)).toBe(2);
      const ref = parseSafetensors(weights);
      for (const [name, t] of ref.tensors) expect(Array.from(again.weights.get(name)!.data), name).toEqual(Array.from(t.data));

      // Offline, the damaged copy is not used either: the error says so.
      await flipOneByte();
      await s.close();
      const e = await failure(loadModelFiles(hubSource(s), { cache }));
      expect(e).toBeInstanceOf(WeightsError);
      expect(e.message).toMatch(/^the cached model\.safetensors was damaged \(.*chunk 3 of 4 is damaged.*\) and downloading it again failed: /);
    } finally {
      cache.close();
    }
  });

  it('a failed download leaves no cache entry, and the next load downloads again', async () => {
    const cache = await WeightCache.open({ dbName: 'load-test-cache-fail', chunkBytes: 4096 });
    try {
      const bad = await hub({ ...goodFiles(), 'model.safetensors': { truncate: weights, send: 9000 } });
      await failure(loadModelFiles(hubSource(bad), { cache }));
      const keys = (await cache.list()).map((e) => e.key);
      expect(keys.some((k) => k.endsWith('model.safetensors'))).toBe(false);
    } finally {
      cache.close();
    }
  });
});

describe('readSafetensors', () => {
  it('reads the same tensors from a URL, a Blob and memory, and checks them against a config', async () => {
    const s = await hub(goodFiles());
    const url = `${s.base}/${ID}/resolve/main/model.safetensors`;
    const ref = parseSafetensors(weights);
    for (const input of [{ url }, { blob: new Blob([weights]), name: 'w.safetensors' }, { bytes: weights, name: 'w.safetensors' }]) {
      const f = await readSafetensors(input, { config: TINY_CONFIG });
      expect([...f.tensors.keys()].sort()).toEqual([...ref.tensors.keys()].sort());
      expect(Array.from(f.tensors.get('final_logits_bias')!.data)).toEqual(Array.from(ref.tensors.get('final_logits_bias')!.data));
    }
    const wrong = await failure(readSafetensors({ bytes: weights, name: 'w.safetensors' }, { config: parseBartConfig({ ...TINY_CONFIG_JSON, vocab_size: 25 }) }));
    expect(wrong.code).toBe('weights-mismatch');
    expect(wrong.message).toMatch(/^w\.safetensors does not match config\.json/);
  });
});

describe('model sources', () => {
  it('cache keys name the source and the file', () => {
    const key = cacheKey('https://huggingface.co/facebook/bart-base/resolve/main/', 'model.safetensors');
    expect(parseCacheKey(key)).toEqual({ version: 'v1', sourceKey: 'https://huggingface.co/facebook/bart-base/resolve/main/', file: 'model.safetensors' });
    expect(parseCacheKey('junk')).toBeNull();
  });

  it('resolve to the Hub layout, a base URL, or models/<name>/ next to the app', () => {
    expect(sourceBaseUrl({ kind: 'hub', id: 'facebook/bart-base' })).toBe('https://huggingface.co/facebook/bart-base/resolve/main/');
    expect(sourceBaseUrl({ kind: 'hub', id: 'facebook/bart-base', base: 'https://mirror/' })).toBe('https://mirror/facebook/bart-base/resolve/main/');
    expect(sourceBaseUrl({ kind: 'url', baseUrl: 'https://x/m' })).toBe('https://x/m/');
    expect(sourceBaseUrl({ kind: 'embedded', name: 'tiny-bart' }, 'http://app.test/lab/index.html')).toBe('http://app.test/lab/models/tiny-bart/');
    expect(() => sourceBaseUrl({ kind: 'hub', id: '../etc' })).toThrow(/not a Hub model id/);
  });

  it('refuse a Hub or model address the fetch rule does not allow, naming the rule', () => {
    for (const base of ['data:text/plain,{}', 'http://mirror', 'file:///etc', 'ftp://x']) {
      expect(() => sourceBaseUrl({ kind: 'hub', id: 'facebook/bart-base', base })).toThrow(expect.objectContaining({ code: 'refused-url', message: expect.stringMatching(/^Hub address: only https URLs are fetched/) }));
    }
    expect(() => sourceBaseUrl({ kind: 'url', baseUrl: 'http://10.0.0.1/m' })).toThrow(/^model address: only https URLs .*got http:\/\/10\.0\.0\.1$/);
  });

  it('an embedded model loads through the same code path (a base URL in the Hub layout)', async () => {
    const s = await serveHub(ID, goodFiles(), '/lab/models/tiny-bart/');
    servers.push(s);
    const m = await loadModelFiles({ kind: 'embedded', name: 'tiny-bart' }, { appBase: `${s.base}/lab/index.html` });
    expect(m.config.dModel).toBe(8);
    expect(s.hits.get('/lab/models/tiny-bart/model.safetensors')).toBe(1);
  });

  it('weights holding NaN or Infinity are refused at load, naming the tensor', async () => {
    for (const [bad, tensor] of [[Number.NaN, 'model.encoder.layers.0.fc1.weight'], [Number.POSITIVE_INFINITY, 'final_logits_bias'], [Number.NEGATIVE_INFINITY, 'model.shared.weight']] as const) {
      const tensors = tinyTensors();
      const data = Float32Array.from(tensors[tensor]!.data as Float32Array);
      data[3] = bad;
      tensors[tensor] = { ...tensors[tensor]!, data };
      const files = [new File([json(TINY_CONFIG_JSON)], 'config.json'), new File([writeSafetensors(tensors).slice()], 'model.safetensors'), new File([json(TOKENIZER)], 'tokenizer.json')];
      const e = await failure(loadModelFiles({ kind: 'files', files }));
      expect(e).toBeInstanceOf(WeightsError);
      expect(e.code).toBe('non-finite');
      expect(e.tensor).toBe(tensor);
      expect(e.message).toBe(`model.safetensors: tensor "${tensor}" holds ${bad} at flat index 3; the weights are damaged (a diverged training run, or a bad conversion)`);
    }
  });

  it('picked files load by name, and a missing one is named', async () => {
    const files = [
      new File([json(TINY_CONFIG_JSON)], 'config.json'),
      new File([weights], 'model.safetensors'),
      new File([json(TOKENIZER)], 'tokenizer.json'),
    ];
    const m = await loadModelFiles({ kind: 'files', files });
    expect(m.weights.size).toBe(parseSafetensors(weights).tensors.size);
    const e = await failure(loadModelFiles({ kind: 'files', files: files.slice(0, 2) }));
    expect(e.code).toBe('not-found');
    expect(e.message).toBe('tokenizer.json is not among the picked files (config.json, model.safetensors)');
  });
});
