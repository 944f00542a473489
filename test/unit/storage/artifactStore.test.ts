import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ModelIdentity } from '../../../src/shared/artifacts/identity';
import { sha256Hex } from '../../../src/shared/artifacts/identity';
import { encodeProjectorBundle } from '../../../src/shared/artifacts/projector';
import { encodeIntrinsicVectorFile, encodeSoftPrompt } from '../../../src/shared/artifacts/prompt';
import { ARTIFACT_DB_NAME, ArtifactStore } from '../../../src/storage/artifactStore';
import { bitsEqual, cases, fixtureIdentity, referenceProjector, someTasks } from '../shared/artifacts/support';

let identity: ModelIdentity;
let projector: Uint8Array;
let prompt: Uint8Array;
let vector: Uint8Array;
let dbCount = 0;
const stores: ArtifactStore[] = [];

beforeAll(async () => {
  identity = await fixtureIdentity();
  projector = encodeProjectorBundle({ identity, promptLength: 5, weights: referenceProjector(), tasks: someTasks(6), seed: 1 });
  prompt = encodeSoftPrompt({ identity, promptLength: 5, prompt: cases.tensors.get('prompt')!.data as Float32Array, task: 'glue-sst2' });
  vector = encodeIntrinsicVectorFile({ identity, vector: cases.tensors.get('intrinsic_vector')!.data as Float32Array, task: 'xsum' });
});

/** A fresh database per test, so tests cannot see each other's artifacts. */
function freshStore(): { store: ArtifactStore; name: string } {
  const name = `artifacts-test-${dbCount++}`;
  const store = new ArtifactStore(name);
  stores.push(store);
  return { store, name };
}

async function rawCounts(name: string): Promise<{ summaries: number; files: number }> {
  const db = await openDB(name);
  const counts = { summaries: await db.count('summaries'), files: await db.count('files') };
  db.close();
  return counts;
}

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('ArtifactStore', () => {
  it('uses its own database name by default', () => {
    expect(ARTIFACT_DB_NAME).toBe('intrinsic-lab-artifacts');
  });

  it('puts, lists, gets and deletes projectors, prompts and vectors', async () => {
    const { store, name } = freshStore();
    const p = await store.putProjector(projector, { expect: identity, name: 'my projector' });
    const q = await store.putPrompt(prompt, { expect: identity });
    const v = await store.putVector(vector, { expect: identity, expectIntrinsicDim: 6 });
    expect(p).toMatchObject({ id: await sha256Hex(projector), kind: 'projector', name: 'my projector', modelId: identity.modelId, byteLength: projector.byteLength });
    expect(p.details).toMatchObject({ promptLength: 5, intrinsicDim: 6, hiddenSize: 16, hasProj: true, tasks: ['glue-sst2', 'squad-no_context', 'xsum'] });
    expect(q.details).toMatchObject({ promptLength: 5, task: 'glue-sst2' });
    expect(v.details).toMatchObject({ intrinsicDim: 6, task: 'xsum' });

    expect((await store.list()).map((s) => s.id).sort()).toEqual([p.id, q.id, v.id].sort());
    expect((await store.list('projector')).map((s) => s.id)).toEqual([p.id]);
    expect([...(await store.getBytes(p.id))]).toEqual([...projector]);
    const bundle = await store.getProjector(p.id, { expect: identity });
    expect(bitsEqual(bundle.weights.W3.data, referenceProjector().W3.data)).toBe(true);
    expect((await store.getPrompt(q.id)).task).toBe('glue-sst2');
    expect((await store.getVector(v.id)).intrinsicDim).toBe(6);

    await store.delete(p.id);
    expect((await store.list()).map((s) => s.id).sort()).toEqual([q.id, v.id].sort());
    await expect(store.getBytes(p.id)).rejects.toMatchObject({ code: 'not-found' });
    expect(await rawCounts(name)).toEqual({ summaries: 2, files: 2 });
  });

  it('stores the same file once, and only its own bytes when given a view into a larger buffer', async () => {
    const { store, name } = freshStore();
    const padded = new Uint8Array(prompt.length + 10);
    padded.set(prompt, 5);
    await store.putPrompt(padded.subarray(5, 5 + prompt.length));
    await store.putPrompt(prompt);
    expect(await rawCounts(name)).toEqual({ summaries: 1, files: 1 });
    const [s] = await store.list();
    expect((await store.getBytes(s!.id)).buffer.byteLength).toBe(prompt.length);
  });

  it('validates before writing: a failed import leaves the store unchanged', async () => {
    const { store, name } = freshStore();
    await store.putPrompt(prompt);
    const before = await store.list();
    await expect(store.putProjector(projector.subarray(0, projector.length - 8))).rejects.toMatchObject({ code: 'truncated' });
    await expect(store.putProjector(projector, { expect: { ...identity, modelId: 'facebook/bart-large' } })).rejects.toMatchObject({ code: 'model-mismatch' });
    await expect(store.putPrompt(projector)).rejects.toMatchObject({ code: 'wrong-kind' });
    await expect(store.putVector(vector, { expectIntrinsicDim: 99 })).rejects.toMatchObject({ code: 'intrinsic-dim-mismatch' });
    expect(await store.list()).toEqual(before);
    expect(await rawCounts(name)).toEqual({ summaries: 1, files: 1 });
  });

  it('reports a quota error clearly and writes nothing (summary rolled back with the file)', async () => {
    const { store, name } = freshStore();
    await store.putPrompt(prompt);
    const proto = IDBObjectStore.prototype;
    const put = proto.put;
    proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'files') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
    try {
      await expect(store.putProjector(projector)).rejects.toMatchObject({ code: 'quota-exceeded', message: expect.stringMatching(/Not enough browser storage .* nothing was stored/) });
    } finally {
      proto.put = put;
    }
    expect((await store.list()).map((s) => s.kind)).toEqual(['prompt']);
    expect(await rawCounts(name)).toEqual({ summaries: 1, files: 1 });
    // The store still works afterwards.
    await store.putProjector(projector);
    expect(await rawCounts(name)).toEqual({ summaries: 2, files: 2 });
  });
});
