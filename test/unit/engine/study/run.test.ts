// The study runner end to end on the tiny model: every table present, finished work reused,
// pause + resume equal to an uninterrupted run, cancel via AbortSignal.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Bart } from '../../../../src/engine/model/bart';
import { MemoryRunStore } from '../../../../src/shared/study/runStore';
import { runStudy, type StudyEnv } from '../../../../src/engine/study/run';
import type { StudyProgress } from '../../../../src/shared/study/plan';
import { resultsCsv, type StudyResults } from '../../../../src/shared/study/results';
import type { StudySpec } from '../../../../src/shared/study/spec';
import { CancelledError } from '../../../../src/engine/tuning/loop';
import { charCodec, constantTask, tinyModel } from '../tuning/support';
import type { StudyArtifact } from '../../../../src/shared/study/artifacts';
import { decodeProjectorBundle, projectPrompt } from '../../../../src/shared/artifacts/projector';
import { decodeIntrinsicVectorFile, decodeSoftPrompt } from '../../../../src/shared/artifacts/prompt';
import { sha256Hex } from '../../../../src/shared/artifacts/identity';

let model: Bart;
let trainable: () => Bart;
beforeAll(async () => {
  model = await tinyModel();
  // Built once, then copied: fromTensors with trainable wraps every weight in a fresh variable.
  const src = await tinyModel(undefined, { trainable: false });
  const weights = new Map([...src.namedWeights()].map(([k, v]) => [k, { dtype: 'F32' as const, shape: v.shape, data: v.dataSync() as Float32Array }]));
  trainable = () => Bart.fromTensors(model.config, weights, { trainable: true });
  src.dispose();
});
afterAll(() => model.dispose());

const ANSWERS: Record<string, string> = { ta: 'a', tk: 'k', tz: 'z' };
const env = (store = new MemoryRunStore()): StudyEnv => ({
  ctx: { model, codec: charCodec },
  store,
  getTask: (name, seed) => {
    const a = ANSWERS[name];
    if (!a) throw new Error(`unknown task "${name}"`);
    return constantTask(name, a, seed * 31 + name.length, { train: 6, dev: 3, test: 3 });
  },
});

const loop = { numBeams: 1, maxNewTokens: 3, warmupSteps: 1, schedule: 'constant' as const, batchSize: 3 };
const spec: StudySpec = {
  name: 'tiny', model: 'bart-parity(scaled)',
  tasks: { train: ['ta', 'tk'], test: ['tz'] },
  dataSeed: 1, diffSeed: 2, intrinsicDims: [2], seeds: [5],
  phases: {
    pt: { ...loop, promptTokens: 4, lr: 0.1, totalSteps: 8, evalEvery: 4 },
    msf: { ...loop, lr: 0.02, alpha: 2000, totalSteps: 6, evalEvery: 6, hidden: 8, weightDecay: 0 },
    ist: { ...loop, lr: 0.1, totalSteps: 6, evalEvery: 6 },
    ft: { ...loop, lr: 3e-3, totalSteps: 6, evalEvery: 6, weightDecay: 0 },
  },
};

const strip = (r: StudyResults) => JSON.parse(JSON.stringify(r)) as unknown;

describe('runStudy', () => {
  let first: StudyResults;
  const store = new MemoryRunStore();

  it('runs every phase and fills every table', async () => {
    const events: StudyProgress[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const out = await runStudy(spec, env(store), { onProgress: (p) => events.push(p) });
    // Every loop, prompt, autoencoder and batch is disposed.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(out.status).toBe('done');
    if (out.status !== 'done') return;
    first = out.results;
    const row = first.e_rel_pt['2']!;
    for (const k of ['train_msf', 'test_msf', 'train_same_ist', 'train_diff_ist', 'test_ist'] as const) expect(typeof row[k], k).toBe('number');
    expect(Object.keys(first.pt).sort()).toEqual(['ta', 'tk', 'tz']);
    expect(Object.keys(first.pt_diff).sort()).toEqual(['ta', 'tk']);
    expect(first.random_subspace['2']).toBeDefined();
    expect(first.scores['2']!.test_ist!.tz).toBeTypeOf('number');
    expect(first.analysis['2']!.labels.sort()).toEqual(['ta', 'tk', 'tz']);
    expect(first.analysis['2']!.similarity[0]![0]).toBeCloseTo(1, 6);
    // Progress: every phase reported, unit counts consistent, ETA once something was computed.
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['pt', 'msf', 'ist', 'random']));
    const last = events.at(-1)!;
    expect(last.unitsTotal).toBe(5 + 1 + 5 + 1);
    expect(events.some((e) => e.etaSeconds !== undefined && e.loss !== undefined)).toBe(true);
    const csv = resultsCsv(first);
    expect(csv.split('\n')[0]).toBe('seed,d_I,setting,task,metric,score,pt_score,ratio');
    expect(csv).toMatch(/^5,2,test_ist,tz,ACC,/m);
    // No checkpoints left behind, one result per unit.
    expect(await store.list('ckpt/')).toHaveLength(0);
    expect(await store.list('result/')).toHaveLength(12);
  });

  it('reuses finished work: a rerun computes nothing and gives the same results', async () => {
    const events: StudyProgress[] = [];
    const out = await runStudy(spec, env(store), { onProgress: (p) => events.push(p) });
    expect(out.status).toBe('done');
    expect(events.every((e) => e.reused)).toBe(true);
    if (out.status === 'done') expect(strip(out.results)).toEqual(strip(first));
  });

  it('hands over each item\'s files as it finishes, from reused units too: prompts, the projector with its tasks, vectors naming it', async () => {
    const saved: StudyArtifact[] = [];
    const identity = { modelId: 'embedded:tiny', configSha256: 'c'.repeat(64), dModel: model.config.dModel };
    const category = (t: string) => (t === 'tz' ? 'cg/other' : 'cls/letters');
    const out = await runStudy(spec, env(store), { artifacts: { context: { identity, category }, save: async (fs) => void saved.push(...fs) } });
    expect(out.status).toBe('done');
    // PT on the data seed (3 tasks) and on the diff seed (2), one projector, IST vectors for 2 + 2 + 1; none for the random baseline.
    expect(saved.map((a) => a.path).sort()).toEqual([
      'projector-d2.safetensors',
      'prompts/ta-d1-r5.safetensors', 'prompts/ta-d2-r5.safetensors', 'prompts/tk-d1-r5.safetensors', 'prompts/tk-d2-r5.safetensors', 'prompts/tz-d1-r5.safetensors',
      'vectors/d2/test/tz-d1-r5.safetensors', 'vectors/d2/train_diff/ta-d2-r5.safetensors', 'vectors/d2/train_diff/tk-d2-r5.safetensors',
      'vectors/d2/train_same/ta-d1-r5.safetensors', 'vectors/d2/train_same/tk-d1-r5.safetensors',
    ]);
    const file = (path: string) => saved.find((a) => a.path === path)!;
    // The prompt is the PT unit's stored prompt, byte for byte, with its scores.
    const tz = file('prompts/tz-d1-r5.safetensors');
    const ptResult = (await store.get(`result/${tz.unitKey}`))!;
    expect(decodeSoftPrompt(tz.bytes, { expect: identity }).prompt).toEqual(ptResult.tensors.prompt!.data);
    expect(tz.details).toMatchObject({ task: 'tz', dataSeed: 1, seed: 5, test: first.pt.tz });
    // The projector: MSF's weights, each training task at z = Proj(its prompt), with its category.
    const proj = file('projector-d2.safetensors');
    const bundle = decodeProjectorBundle(proj.bytes, { expect: identity });
    const msf = (await store.get(`result/${proj.unitKey}`))!;
    expect(bundle.weights.W3.data).toEqual(msf.tensors.W3!.data);
    expect(bundle.tasks.map((t) => [t.name, t.category])).toEqual([['ta', 'cls/letters'], ['tk', 'cls/letters']]);
    const taPrompt = decodeSoftPrompt(file('prompts/ta-d1-r5.safetensors').bytes).prompt;
    expect(bundle.tasks[0]!.vector).toEqual(projectPrompt(bundle.weights, taPrompt));
    // A vector is IST's z and names the projector by the SHA-256 of its file.
    const v = file('vectors/d2/test/tz-d1-r5.safetensors');
    const ist = (await store.get(`result/${v.unitKey}`))!;
    const vec = decodeIntrinsicVectorFile(v.bytes, { expect: identity });
    expect(vec.vector).toEqual(ist.tensors.z!.data);
    expect(vec.projectorSha256).toBe(await sha256Hex(proj.bytes));
    expect(v.details).toMatchObject({ setting: 'test', dI: 2, test: first.scores['2']!.test_ist!.tz });
  });

  it('pauses with a checkpoint and resumes to the same results as the uninterrupted run', async () => {
    const s2 = new MemoryRunStore();
    let steps = 0;
    const paused = await runStudy(spec, env(s2), { shouldPause: () => ++steps === 19 });
    expect(paused.status).toBe('paused');
    expect(await s2.list('ckpt/')).toHaveLength(1);
    const resumed = await runStudy(spec, env(s2));
    expect(resumed.status).toBe('done');
    if (resumed.status === 'done') expect(strip(resumed.results)).toEqual(strip(first));
  });

  it('adds IPT-initialised PT to a finished study computing only the new units', async () => {
    const events: StudyProgress[] = [];
    const out = await runStudy({ ...spec, iptInitPt: true }, env(store), { onProgress: (p) => events.push(p) });
    expect(out.status).toBe('done');
    if (out.status !== 'done') return;
    expect(new Set(events.filter((e) => !e.reused).map((e) => e.phase))).toEqual(new Set(['ipt_pt']));
    expect(out.results.ipt_init_pt!['2']!.tz).toBeTypeOf('number');
    expect(out.results.e_rel_pt).toEqual(first.e_rel_pt);
  });

  it('runs the full fine-tuning baseline when asked, reusing everything else', async () => {
    const events: StudyProgress[] = [];
    const e = { ...env(store), trainableModel: () => trainable() };
    const out = await runStudy({ ...spec, fineTune: true }, e, { onProgress: (p) => events.push(p) });
    expect(out.status).toBe('done');
    if (out.status !== 'done') return;
    expect(new Set(events.filter((x) => !x.reused).map((x) => x.phase))).toEqual(new Set(['ft']));
    expect(Object.keys(out.results.fine_tune!).sort()).toEqual(['ta', 'tk', 'tz']);
    await expect(runStudy({ ...spec, fineTune: true }, env())).rejects.toThrow(/fineTune needs env.trainableModel/);
  });

  it('multi-task PT: one prompt trained on every training task, scored on every task, against per-task PT', async () => {
    const progress: StudyProgress[] = [];
    const out = await runStudy({ ...spec, intrinsicDims: [], multiTaskPt: true }, env(new MemoryRunStore()), { onProgress: (p) => progress.push(p) });
    expect(out.status).toBe('done');
    if (out.status !== 'done') return;
    const mt = out.results.multi_task_pt!;
    expect(Object.keys(mt.scores).sort()).toEqual(['ta', 'tk', 'tz']);
    for (const v of Object.values(mt.scores)) expect(v).toBeGreaterThanOrEqual(0);
    // E_rel^PT of the one prompt: its scores over each task's own PT, on each side.
    const ratio = (tasks: string[]) => tasks.filter((x) => out.results.pt[x]! > 0).map((x) => mt.scores[x]! / out.results.pt[x]!);
    const train = ratio(['ta', 'tk']);
    if (train.length) expect(mt.e_rel.train).toBeCloseTo(train.reduce((a, b) => a + b, 0) / train.length);
    expect(mt.e_abs.train).toBeCloseTo((mt.scores.ta! + mt.scores.tk!) / 2);
    expect(mt.e_abs.test).toBeCloseTo(mt.scores.tz!);
    // One unit of PT's steps, on the training tasks' examples (6 + 6, batches of 3).
    const steps = progress.filter((p) => p.phase === 'mt_pt' && p.step !== undefined);
    expect(steps.at(-1)!.totalSteps).toBe(8);
    expect(out.results.rows.filter((r) => r.setting === 'multi_task_pt').map((r) => r.task).sort()).toEqual(['ta', 'tk', 'tz']);
  });

  it('multi-task FT: one model trained on every training task, scored on every task, against per-task PT', async () => {
    const progress: StudyProgress[] = [];
    const mtSpec: StudySpec = { ...spec, intrinsicDims: [], multiTaskFt: true };
    const out = await runStudy(mtSpec, { ...env(new MemoryRunStore()), trainableModel: () => trainable() }, { onProgress: (p) => progress.push(p) });
    expect(out.status).toBe('done');
    if (out.status !== 'done') return;
    const mt = out.results.multi_task_ft!;
    expect(Object.keys(mt.scores).sort()).toEqual(['ta', 'tk', 'tz']);
    const ratio = (tasks: string[]) => tasks.filter((x) => out.results.pt[x]! > 0).map((x) => mt.scores[x]! / out.results.pt[x]!);
    const train = ratio(['ta', 'tk']);
    if (train.length) expect(mt.e_rel.train).toBeCloseTo(train.reduce((a, b) => a + b, 0) / train.length);
    expect(mt.e_abs.train).toBeCloseTo((mt.scores.ta! + mt.scores.tk!) / 2);
    expect(mt.e_abs.test).toBeCloseTo(mt.scores.tz!);
    expect(out.results.multi_task_pt).toBeUndefined();
    const steps = progress.filter((p) => p.phase === 'mt_ft' && p.step !== undefined);
    expect(steps.at(-1)!.totalSteps).toBe(spec.phases!.ft!.totalSteps);
    expect(out.results.rows.filter((r) => r.setting === 'multi_task_ft').map((r) => r.task).sort()).toEqual(['ta', 'tk', 'tz']);
    await expect(runStudy(mtSpec, env())).rejects.toThrow(/multiTaskFt needs env.trainableModel/);
  });

  it('Random_all: a random subspace of every weight on the unseen tasks, reusing everything else', async () => {
    const events: StudyProgress[] = [];
    const raSpec: StudySpec = { ...spec, randomAll: true, phases: { ...spec.phases, randomAll: { ...loop, lr: 0.05, totalSteps: 6, evalEvery: 6, dim: 8 } } };
    const out = await runStudy(raSpec, env(store), { onProgress: (p) => events.push(p) });
    expect(out.status).toBe('done');
    if (out.status !== 'done') return;
    expect(new Set(events.filter((x) => !x.reused).map((x) => `${x.phase}:${x.task}`))).toEqual(new Set(['random_all:tz']));
    const ra = out.results.random_all!;
    expect(ra.dim).toBe(8);
    expect(Object.keys(ra.scores)).toEqual(['tz']);
    expect(ra.e_abs.test).toBe(ra.scores.tz);
    if (out.results.pt.tz! > 0) expect(ra.e_rel.test).toBeCloseTo(ra.scores.tz! / out.results.pt.tz!);
    expect(out.results.rows.filter((r) => r.setting === 'random_all').map((r) => r.task)).toEqual(['tz']);
    // The unit keeps its trained z: it moved from 0.
    const [unit] = await store.list('result/random_all/');
    const z = (await store.get(unit!.key))!.tensors.z!;
    expect(z.shape).toEqual([8]);
    expect(z.data.some((x) => x !== 0)).toBe(true);
    // Its key holds its settings: another dimension is another unit.
    const again: StudyProgress[] = [];
    await runStudy({ ...raSpec, phases: { ...raSpec.phases, randomAll: { ...raSpec.phases!.randomAll, dim: 4 } } }, env(store), { onProgress: (p) => again.push(p) });
    expect(again.some((x) => x.phase === 'random_all' && !x.reused)).toBe(true);
  });

  it('FT grid: each FT item trains every lr x batch cell and reports the best dev cell\'s score', async () => {
    const s5 = new MemoryRunStore();
    const ftGrid: StudySpec = { ...spec, intrinsicDims: [], fineTune: true, tasks: { train: [], test: ['tz'] },
      phases: { ...spec.phases, ft: { ...spec.phases!.ft, gridLr: [3e-3, 1e-7], gridBatchSize: [2] } } };
    const out = await runStudy(ftGrid, { ...env(s5), trainableModel: () => trainable() });
    expect(out.status).toBe('done');
    if (out.status !== 'done') return;
    const cells = await Promise.all((await s5.list('result/ft/')).map((c) => s5.get(c.key)));
    expect(cells.map((c) => c!.key.replace(/^.*\/r5\//, '')).sort()).toEqual(['lr0.003-b2', 'lr1e-7-b2']);
    const top = Math.max(...cells.map((c) => c!.meta.bestDev as number));
    const winners = cells.filter((c) => c!.meta.bestDev === top).map((c) => c!.meta.test);
    expect(winners).toContain(out.results.fine_tune!.tz);
  });

  it('grid search: each task keeps the lr x batch cell with the best dev score', async () => {
    const s3 = new MemoryRunStore();
    // No test tasks, random-subspace baseline left on (default): it has nothing to do and must not fail.
    const gridSpec: StudySpec = { ...spec, tasks: { train: ['ta', 'tk'], test: [] }, randomSubspace: undefined, iptInitPt: true,
      phases: { ...spec.phases, pt: { ...spec.phases!.pt, gridLr: [0.1, 0.001], gridBatchSize: [3] } } };
    const out = await runStudy(gridSpec, env(s3));
    expect(out.status).toBe('done');
    if (out.status !== 'done') return;
    for (const t of ['ta', 'tk']) {
      const cells = await Promise.all((await s3.list('result/pt/')).filter((c) => c.key.includes(`/${t}/d1/`)).map((c) => s3.get(c.key)));
      expect(cells).toHaveLength(2);
      const top = Math.max(...cells.map((c) => c!.meta.bestDev as number));
      // Ties go to the first cell in grid order (lr 0.1 here), as the reference's strict '>' does.
      const winner = cells.find((c) => c!.meta.bestDev === top && c!.key.includes('lr0.1-'))
        ?? cells.find((c) => c!.meta.bestDev === top)!;
      expect(out.results.pt[t]).toBe(winner!.meta.test);
    }
    expect(out.results.random_subspace).toEqual({});
  });

  it('IST grid: each IST item trains every lr x batch cell and keeps the best dev cell\'s score, vector and file', async () => {
    const s4 = new MemoryRunStore();
    // PT and MSF as in the first study (reused from its store? no: a fresh store keeps this test on its own).
    const istGrid: StudySpec = { ...spec, randomSubspace: false, istSettings: ['test'],
      phases: { ...spec.phases, ist: { ...spec.phases!.ist, gridLr: [0.1, 1e-4], gridBatchSize: [3] } } };
    const saved: StudyArtifact[] = [];
    const identity = { modelId: 'embedded:tiny', configSha256: 'c'.repeat(64), dModel: model.config.dModel };
    const out = await runStudy(istGrid, env(s4), { artifacts: { context: { identity, category: () => '' }, save: async (fs) => void saved.push(...fs) } });
    expect(out.status).toBe('done');
    if (out.status !== 'done') return;
    const cells = await Promise.all((await s4.list('result/ist/')).map((c) => s4.get(c.key)));
    expect(cells.map((c) => c!.key.replace(/^.*\/r5\//, '')).sort()).toEqual(['lr0.0001-b3', 'lr0.1-b3']);
    // Each cell trains at its own rate: their vectors differ.
    expect(cells[0]!.tensors.z!.data).not.toEqual(cells[1]!.tensors.z!.data);
    const top = Math.max(...cells.map((c) => c!.meta.bestDev as number));
    const winner = cells.find((c) => c!.meta.bestDev === top && c!.key.endsWith('lr0.1-b3')) ?? cells.find((c) => c!.meta.bestDev === top)!;
    expect(out.results.scores['2']!.test_ist!.tz).toBe(winner!.meta.test);
    const v = saved.find((a) => a.kind === 'vector')!;
    expect(`result/${v.unitKey}`).toBe(winner!.key);
    expect(decodeIntrinsicVectorFile(v.bytes).vector).toEqual(winner!.tensors.z!.data);
  });

  it('two shards on one store split the units and give the single run\'s results', async () => {
    const log: string[] = [];
    const shared = new MemoryRunStore();
    const put = shared.put.bind(shared);
    shared.put = async (c) => { if (c.key.startsWith('result/')) log.push(`stored ${c.key}`); return put(c); };
    const computed: number[] = [0, 0];
    const run = (index: number) => runStudy(spec, env(shared), {
      shard: { index, count: 2, pollMs: 5 },
      onProgress: (p) => {
        if (p.step === 1) { computed[index]!++; log.push(`${index} starts ${p.unit}`); }
      },
    });
    const [a, b] = await Promise.all([run(0), run(1)]);
    expect(a.status === 'done' && b.status === 'done').toBe(true);
    if (a.status !== 'done' || b.status !== 'done') return;
    // Each shard computed about half of the 12 units, and both saw every result.
    expect(computed[0]! + computed[1]!).toBe(12);
    expect(Math.min(...computed)).toBeGreaterThanOrEqual(5);
    // They work at the same time: shard 1 starts its first unit before any result is stored.
    expect(log.findIndex((l) => l.startsWith('1 starts'))).toBeLessThan(log.findIndex((l) => l.startsWith('stored')));
    for (const r of [a.results, b.results]) {
      expect(r.e_rel_pt).toEqual(first.e_rel_pt);
      expect(r.scores).toEqual(first.scores);
      expect(r.pt).toEqual(first.pt);
    }
  });

  it('a shard waiting for another run\'s unit can be cancelled, and bad shards are refused', async () => {
    const ac = new AbortController();
    const p = runStudy(spec, env(), { shard: { index: 1, count: 2, pollMs: 5 }, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toThrow(CancelledError);
    await expect(runStudy(spec, env(), { shard: { index: 2, count: 2 } })).rejects.toThrow(/0 <= index < count/);
  });

  it('cancels through an AbortSignal', async () => {
    const ac = new AbortController();
    const p = runStudy(spec, env(), { signal: ac.signal, onProgress: (e) => { if (e.step === 2) ac.abort(); } });
    await expect(p).rejects.toThrow(CancelledError);
  });

  it('with no intrinsic dimension runs prompt tuning only: PT on the data seed, baselines, no E_rel', async () => {
    const events: StudyProgress[] = [];
    const out = await runStudy({ ...spec, intrinsicDims: [], tasks: { train: [], test: ['ta', 'tz'] } }, env(), { onProgress: (p) => events.push(p) });
    expect(out.status).toBe('done');
    if (out.status !== 'done') return;
    expect(Object.keys(out.results.pt).sort()).toEqual(['ta', 'tz']);
    expect(out.results.pt_diff).toEqual({});
    expect(out.results.e_rel_pt).toEqual({});
    expect(Object.keys(out.results.baselines).sort()).toEqual(['ta', 'tz']);
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['pt']));
    expect(events.at(-1)!.unitsTotal).toBe(2);
  });

  it('trains a batch\'s units together (groupRows) with the results of one unit at a time', async () => {
    // One step per unit and phase, or one step for all the units of a PT / IST batch.
    const stepsOf = async (groupRows: number) => {
      const store2 = new MemoryRunStore();
      let calls = 0;
      const spy = vi.spyOn(model, 'logits').mockImplementation(function (this: Bart, ...a) { calls++; return Bart.prototype.logits.apply(this, a); });
      try {
        const out = await runStudy(spec, env(store2), { groupRows });
        if (out.status !== 'done') throw new Error('not done');
        return { results: out.results, calls };
      } finally {
        spy.mockRestore();
      }
    };
    const single = await stepsOf(1);
    const grouped = await stepsOf(64);
    // Fewer training passes: the 3 PT units share steps, and so do the 2 PT-diff and the 3 IST units.
    expect(grouped.calls).toBeLessThan(single.calls * 0.6);
    const near = (a: unknown, b: unknown, path: string): void => {
      if (typeof a === 'number' && typeof b === 'number') expect(Math.abs(a - b), path).toBeLessThan(1e-3);
      else if (a && typeof a === 'object') for (const k of Object.keys(a)) near((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      else expect(a, path).toEqual(b);
    };
    near(strip(grouped.results), strip(single.results), 'results');
  });

  it('rejects a bad spec with a clear message', async () => {
    await expect(runStudy({ ...spec, intrinsicDims: [], tasks: { train: [], test: [] } }, env())).rejects.toThrow(/no tasks/);
    await expect(runStudy({ ...spec, tasks: { train: [], test: ['tz'] } }, env())).rejects.toThrow(/tasks.train is empty/);
    await expect(runStudy({ ...spec, tasks: { train: ['ta'], test: ['ta'] } }, env())).rejects.toThrow(/in both train and test: ta/);
    await expect(runStudy({ ...spec, intrinsicDims: [0] }, env())).rejects.toThrow(/intrinsicDims/);
  });
});
