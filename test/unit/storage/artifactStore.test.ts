import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ModelIdentity } from '../../../src/shared/artifacts/identity';
import { sha256Hex } from '../../../src/shared/artifacts/identity';
import { encodeProjectorBundle } from '../../../src/shared/artifacts/projector';
import { encodeIntrinsicVectorFile, encodeSoftPrompt } from '../../../src/shared/artifacts/prompt';
import { exportPeftPromptTuning, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from '../../../src/shared/artifacts/peft';
import { decodeSoftPrompt } from '../../../src/shared/artifacts/prompt';
import { writeSafetensors } from '../../../src/shared/weights/safetensors';
import { ARTIFACT_DB_NAME, artifactFileName, ArtifactStore, studyArtifactName } from '../../../src/storage/artifactStore';
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
function freshStore(options?: ConstructorParameters<typeof ArtifactStore>[1]): { store: ArtifactStore; name: string } {
  const name = `artifacts-test-${dbCount++}`;
  const store = new ArtifactStore(name, options);
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
    const { store, name } = freshStore({ estimate: async () => ({ usage: 9_990_000, quota: 10_000_000 }) });
    await store.putPrompt(prompt);
    const proto = IDBObjectStore.prototype;
    const put = proto.put;
    proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'files') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
    try {
      const mb = (projector.byteLength / 1e6).toFixed(1);
      await expect(store.putProjector(projector, { name: 'big' })).rejects.toMatchObject({
        code: 'quota-exceeded',
        message: `Not enough browser storage for this projector; nothing was stored: the browser's storage quota is full: projector "big" needs about ${mb} MB; 10.0 MB of the 10.0 MB storage quota are used, 0.0 MB free. Delete cached models or old studies, or allow persistent storage`,
      });
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

describe('ArtifactStore: a study\'s artifacts, renames and PEFT adapters', () => {
  const study = { studyId: '20261202-abc', studyName: 'quick demo' };

  it('stores a study artifact with its study, unit, path and facts, and lists its columns', async () => {
    const { store } = freshStore();
    const s = await store.putStudyArtifact(
      { kind: 'prompt', path: 'prompts/glue-sst2-d100-r1.safetensors', bytes: prompt, unitKey: 'pt/abc/glue-sst2/d100/r1/lr1-b2', details: { task: 'glue-sst2', dataSeed: 100, seed: 1, dev: 0.5, test: 0.75 } },
      study,
    );
    expect(s).toMatchObject({
      kind: 'prompt', name: 'glue-sst2-d100-r1', tasks: ['glue-sst2'], intrinsicDim: null, score: 0.75,
      origin: { kind: 'study', ...study, unitKey: 'pt/abc/glue-sst2/d100/r1/lr1-b2', path: 'prompts/glue-sst2-d100-r1.safetensors' },
    });
    expect(s.details).toMatchObject({ dataSeed: 100, promptLength: 5 });
    const v = await store.putStudyArtifact({ kind: 'vector', path: 'vectors/test/xsum-d10-d100-r1.safetensors', bytes: vector, unitKey: 'ist/x', details: { setting: 'test', score: 0.25 } }, study);
    expect(v).toMatchObject({ name: 'test/xsum-d10-d100-r1', tasks: ['xsum'], intrinsicDim: 6, score: 0.25 });
    // The file has no projector hash; the study's fact stays (Explore's link needs it).
    const sha = 'c'.repeat(64);
    const v2 = await store.putStudyArtifact({ kind: 'vector', path: 'vectors/test/x.safetensors', bytes: encodeIntrinsicVectorFile({ identity, vector: new Float32Array([1, 2]) }), unitKey: 'ist/y', details: { projectorSha256: sha, task: 'squad' } }, study);
    expect(v2.details).toMatchObject({ projectorSha256: sha, task: 'squad', intrinsicDim: 2 });
    expect(v2.tasks).toEqual(['squad']);
    const p = await store.putStudyArtifact({ kind: 'projector', path: 'projector-d6-r1.safetensors', bytes: projector, unitKey: 'msf/x', details: { dI: 6 } }, study);
    expect(p).toMatchObject({ name: 'projector-d6-r1', tasks: ['glue-sst2', 'squad-no_context', 'xsum'], intrinsicDim: 6, score: null });
    expect(await store.list()).toHaveLength(4);
  });

  it('a reused unit stores nothing twice and keeps the name the user gave', async () => {
    const { store, name } = freshStore();
    const a = { kind: 'prompt' as const, path: 'prompts/glue-sst2-d100-r1.safetensors', bytes: prompt, unitKey: 'pt/u', details: {} };
    const first = await store.putStudyArtifact(a, study);
    await store.rename(first.id, 'my best prompt');
    const again = await store.putStudyArtifact(a, { studyId: 'later', studyName: 'a resumed study' });
    expect(again).toMatchObject({ id: first.id, name: 'my best prompt', storedAt: first.storedAt, origin: { studyId: study.studyId } });
    expect(await rawCounts(name)).toEqual({ summaries: 1, files: 1 });
  });

  it('refuses a study artifact whose bytes are not of its kind, storing nothing', async () => {
    const { store, name } = freshStore();
    await store.list(); // creates the database
    await expect(store.putStudyArtifact({ kind: 'prompt', path: 'prompts/x.safetensors', bytes: vector, unitKey: 'u', details: {} }, study))
      .rejects.toMatchObject({ code: 'wrong-kind', message: expect.stringContaining('study "quick demo": prompts/x.safetensors') });
    expect(await rawCounts(name)).toEqual({ summaries: 0, files: 0 });
  });

  it('renames (trimmed), and refuses an empty or overlong name or an unknown id', async () => {
    const { store } = freshStore();
    const q = await store.putPrompt(prompt, { name: 'a' });
    expect(await store.rename(q.id, '  sst2 prompt  ')).toMatchObject({ id: q.id, name: 'sst2 prompt' });
    expect((await store.summary(q.id))!.name).toBe('sst2 prompt');
    await expect(store.rename(q.id, '   ')).rejects.toMatchObject({ code: 'bad-metadata', message: 'a name cannot be empty' });
    await expect(store.rename(q.id, 'x'.repeat(201))).rejects.toMatchObject({ code: 'bad-metadata', message: expect.stringContaining('at most 200 characters') });
    await expect(store.rename('f'.repeat(64), 'b')).rejects.toMatchObject({ code: 'not-found' });
    expect((await store.list()).map((s) => s.name)).toEqual(['sst2 prompt']);
  });

  it('imports a PEFT adapter as a prompt of the loaded model, noting what it converted', async () => {
    const { store } = freshStore();
    const data = cases.tensors.get('prompt')!.data as Float32Array;
    const files = exportPeftPromptTuning({ prompt: data, promptLength: 5, dModel: identity.dModel, baseModel: identity.modelId, numLayers: 1, numAttentionHeads: 2 });
    const s = await store.putPeftAdapter(files[PEFT_CONFIG_FILE], files[PEFT_WEIGHTS_FILE], { identity, source: 'my-adapter' });
    expect(s).toMatchObject({ kind: 'prompt', name: 'my-adapter', modelId: identity.modelId, configSha256: identity.configSha256, origin: { kind: 'import', file: 'my-adapter', notes: [] } });
    const back = decodeSoftPrompt(await store.getBytes(s.id), { expect: identity });
    expect(bitsEqual(back.prompt, data)).toBe(true);

    // PEFT's default for seq2seq: encoder and decoder rows; another base model is noted, not refused.
    const cfg = { ...JSON.parse(files[PEFT_CONFIG_FILE]) as Record<string, unknown>, num_transformer_submodules: 2, base_model_name_or_path: 'facebook/bart-base' };
    const table = new Float32Array(data.length * 2);
    table.set(data);
    const two = writeSafetensors({ prompt_embeddings: { shape: [10, identity.dModel], data: table } }, { format: 'pt' });
    const t = await store.putPeftAdapter(JSON.stringify(cfg), two, { identity, source: 'peft-2' });
    expect(t.id).toBe(s.id);
    // Same prompt, same bytes: the first record stays.
    expect(t.origin).toMatchObject({ file: 'my-adapter' });
  });

  it('refuses a PEFT adapter of another width or kind, storing nothing', async () => {
    const { store, name } = freshStore();
    await store.list(); // creates the database
    const files = exportPeftPromptTuning({ prompt: new Float32Array(5 * 8), promptLength: 5, dModel: 8, baseModel: 'x', numLayers: 1, numAttentionHeads: 2 });
    await expect(store.putPeftAdapter(files[PEFT_CONFIG_FILE], files[PEFT_WEIGHTS_FILE], { identity, source: 'narrow' }))
      .rejects.toMatchObject({ code: 'shape-mismatch', message: expect.stringContaining(`narrow: token_dim is 8, but the loaded model has d_model ${identity.dModel}`) });
    const lora = JSON.stringify({ ...JSON.parse(files[PEFT_CONFIG_FILE]) as object, peft_type: 'LORA' });
    await expect(store.putPeftAdapter(lora, files[PEFT_WEIGHTS_FILE], { identity })).rejects.toMatchObject({ code: 'bad-peft-adapter' });
    expect(await rawCounts(name)).toEqual({ summaries: 0, files: 0 });
  });

  it('imports a .safetensors file as the kind its metadata names, and refuses other files saying what they are', async () => {
    const { store, name } = freshStore();
    expect(await store.putFile(projector, 'shared.safetensors')).toMatchObject({ kind: 'projector', name: 'shared', origin: { kind: 'import', file: 'shared.safetensors' } });
    expect(await store.putFile(prompt, 'p.safetensors')).toMatchObject({ kind: 'prompt', name: 'p' });
    expect(await store.putFile(vector, 'v.safetensors')).toMatchObject({ kind: 'vector', name: 'v' });
    const peft = exportPeftPromptTuning({ prompt: new Float32Array(5 * identity.dModel), promptLength: 5, dModel: identity.dModel, baseModel: 'x', numLayers: 1, numAttentionHeads: 2 });
    await expect(store.putFile(peft[PEFT_WEIGHTS_FILE], PEFT_WEIGHTS_FILE)).rejects.toMatchObject({ code: 'wrong-kind', message: expect.stringContaining('pick its adapter_config.json together with it') });
    const plain = writeSafetensors({ w: { shape: [1], data: new Float32Array(1) } });
    await expect(store.putFile(plain, 'model.safetensors')).rejects.toMatchObject({ code: 'wrong-kind', message: 'model.safetensors: not a projector bundle, prompt or intrinsic vector of this app (the file has no "artifact" metadata)' });
    await expect(store.putFile(new TextEncoder().encode('{"not": "safetensors"}'), 'x.safetensors')).rejects.toMatchObject({ code: 'header-too-large' });
    await expect(store.putFile(projector.subarray(0, 100), 'cut.safetensors')).rejects.toMatchObject({ code: 'truncated' });
    expect(await rawCounts(name)).toEqual({ summaries: 3, files: 3 });
  });

  it('lists a record written before the listing columns with columns read off its details', async () => {
    const { store, name } = freshStore();
    await store.list(); // creates the database
    const db = await openDB(name);
    await db.put('summaries', { id: 'e'.repeat(64), kind: 'vector', name: 'old', modelId: 'm', configSha256: 'c'.repeat(64), byteLength: 1, storedAt: 1, details: { intrinsicDim: 6, task: 'xsum' } });
    db.close();
    expect(await store.list()).toMatchObject([{ name: 'old', tasks: ['xsum'], intrinsicDim: 6, score: null }]);
    expect(await store.summary('e'.repeat(64))).toMatchObject({ tasks: ['xsum'] });
  });

  it('names study artifacts by their --out path and downloads by name', () => {
    expect(studyArtifactName('projector-d10-r1.safetensors')).toBe('projector-d10-r1');
    expect(studyArtifactName('prompts/glue-sst2-d100-r1.safetensors')).toBe('glue-sst2-d100-r1');
    expect(studyArtifactName('vectors/train_same/glue-sst2-d10-d100-r1.safetensors')).toBe('train_same/glue-sst2-d10-d100-r1');
    const id = 'a'.repeat(64);
    expect(artifactFileName({ name: 'train_same/glue-sst2-d10-d100-r1', kind: 'vector', id })).toBe('train_same_glue-sst2-d10-d100-r1.safetensors');
    expect(artifactFileName({ name: 'my projector.safetensors', kind: 'projector', id })).toBe('my_projector.safetensors');
    expect(artifactFileName({ name: '///', kind: 'prompt', id })).toBe(`prompt-${'a'.repeat(12)}.safetensors`);
  });
});
