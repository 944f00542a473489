import 'fake-indexeddb/auto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRunStore, type RunRecord, type RunStore } from '../../../../src/shared/study/runStore';
import { FileRunStore } from '../../../../src/node/runStore';
import { IdbRunStore } from '../../../../src/storage/runStore';

function ckpt(key: string, step: number, fill: number): RunRecord {
  return {
    key, kind: 'pt', step, savedAt: '2026-01-01T00:00:00.000Z',
    meta: { rng: [1, 2, 3, 4], best: { score: 0.5, step }, note: 'x/y' },
    tensors: { prompt: { shape: [2, 3], data: new Float32Array([fill, -0, 1e-30, NaN, Infinity, 3.25]) } },
  };
}

const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

const stores: [string, () => Promise<RunStore>][] = [
  ['memory', async () => new MemoryRunStore()],
  ['file', async () => { const d = await mkdtemp(join(tmpdir(), 'ckpt-')); dirs.push(d); return new FileRunStore(d); }],
  ['indexeddb', async () => new IdbRunStore(`test-${Math.random()}`)],
];

describe.each(stores)('%s checkpoint store', (_name, make) => {
  it('round-trips a checkpoint bitwise, lists by prefix and deletes', async () => {
    const s = await make();
    await s.put(ckpt('pt/a/1', 3, 0.1));
    await s.put(ckpt('pt/b/1', 4, 0.2));
    await s.put(ckpt('msf/4', 5, 0.3));
    const got = await s.get('pt/a/1');
    const want = ckpt('pt/a/1', 3, 0.1);
    expect(got?.meta).toEqual(want.meta);
    expect(got?.step).toBe(3);
    expect(got?.tensors.prompt?.shape).toEqual([2, 3]);
    expect(new Uint8Array(got!.tensors.prompt!.data.buffer, got!.tensors.prompt!.data.byteOffset, 24))
      .toEqual(new Uint8Array(want.tensors.prompt!.data.buffer));
    expect((await s.list('pt/')).map((c) => c.key)).toEqual(['pt/a/1', 'pt/b/1']);
    expect((await s.list()).map((c) => c.key)).toEqual(['msf/4', 'pt/a/1', 'pt/b/1']);
    await s.put(ckpt('pt/a/1', 9, 0.9));
    expect((await s.get('pt/a/1'))?.step).toBe(9);
    await s.delete('pt/a/1');
    expect(await s.get('pt/a/1')).toBeUndefined();
    expect(await s.get('never')).toBeUndefined();
  });

  it('refuses an inconsistent checkpoint and keeps the previous one', async () => {
    const s = await make();
    await s.put(ckpt('k', 1, 0.5));
    const bad = { ...ckpt('k', 2, 0.5), tensors: { prompt: { shape: [4, 4], data: new Float32Array(3) } } };
    await expect(s.put(bad)).rejects.toThrow(/"prompt".*shape/);
    expect((await s.get('k'))?.step).toBe(1);
  });
});

describe('IndexedDB store atomicity', () => {
  it('writes nothing when the transaction fails part-way', async () => {
    const s = new IdbRunStore(`atomic-${Math.random()}`);
    await s.put(ckpt('k', 1, 0.5));
    // A typed array on a detached buffer cannot be cloned: the header request is queued, then the
    // tensors request throws, and the header must not be committed alone.
    const detached = new Float32Array(new ArrayBuffer(0));
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    const poisoned: RunRecord = { ...ckpt('k', 2, 0.7), tensors: { prompt: { shape: [0], data: detached } } };
    await expect(s.put(poisoned)).rejects.toThrow(/nothing was written/);
    const after = await s.get('k');
    expect(after?.step).toBe(1);
    expect(after?.tensors.prompt?.data[0]).toBeCloseTo(0.5);
  });
});

describe('file store', () => {
  it('leaves no temporary files and encodes keys safely', async () => {
    const d = await mkdtemp(join(tmpdir(), 'ckpt-')); dirs.push(d);
    const s = new FileRunStore(d);
    await s.put(ckpt('../evil/*key', 1, 0));
    const names = await readdir(d);
    expect(names).toHaveLength(1);
    expect(names[0]).not.toMatch(/\/|\*|^\./);
    expect((await s.list())[0]?.key).toBe('../evil/*key');
  });
});
