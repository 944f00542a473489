// How many engine workers a study gets, and the one progress view merged from theirs
// (src/ui/stores/studyShards.ts).
import { describe, expect, it } from 'vitest';
import type { StudyProgressWire } from '../../../../src/protocol/messages';
import { ShardMerge, studyWorkerCount } from '../../../../src/ui/stores/studyShards';

const EMBEDDED_PARAMS = 1_100_000;
const BART_BASE_PARAMS = 139_420_416;
const base = { cores: 2, deviceMemoryGb: 8, backend: 'wasm', threads: 1, modelParams: EMBEDDED_PARAMS, override: null };

describe('studyWorkerCount', () => {
  it('fills the cores on wasm with the small model, and keeps one worker for BART-base', () => {
    expect(studyWorkerCount(base).count).toBe(2);
    expect(studyWorkerCount({ ...base, deviceMemoryGb: undefined }).count).toBe(2);
    const big = studyWorkerCount({ ...base, modelParams: BART_BASE_PARAMS });
    expect(big.count).toBe(1);
    expect(big.why).toMatch(/training memory \(about 3\.9 GB a copy\) allows 1/);
    // Many cores: each wasm worker already has cores / 2 threads (at most 8).
    expect(studyWorkerCount({ ...base, cores: 16, threads: 8 }).count).toBe(2);
    expect(studyWorkerCount({ ...base, cores: 64, threads: 8 }).count).toBe(4);
    expect(studyWorkerCount({ ...base, cores: 1 }).count).toBe(1);
    expect(studyWorkerCount({ ...base, backend: 'cpu', cores: 3 }).count).toBe(3);
  });

  it('keeps one on a GPU backend, before a model or an engine, and takes the user’s choice within bounds', () => {
    expect(studyWorkerCount({ ...base, backend: 'webgpu' })).toEqual({ count: 1, why: 'one on webgpu: the workers would share one device' });
    expect(studyWorkerCount({ ...base, backend: null }).count).toBe(1);
    expect(studyWorkerCount({ ...base, modelParams: null }).count).toBe(1);
    expect(studyWorkerCount({ ...base, override: 1 })).toEqual({ count: 1, why: 'chosen here' });
    expect(studyWorkerCount({ ...base, backend: 'webgpu', override: 3 }).count).toBe(3);
    expect(studyWorkerCount({ ...base, override: 99 }).count).toBe(4);
  });
});

/** A progress message of a unit (phase from its key's first part). */
const msg = (unit: string, extra: Partial<StudyProgressWire> & { finished: string[]; computed: string[] }): StudyProgressWire => ({
  id: 's', phase: unit.split('/')[0] as StudyProgressWire['phase'], unit, seed: 1, unitsDone: extra.finished.length, unitsTotal: 5, reusedUnits: 0, ...extra,
});

describe('ShardMerge', () => {
  const phaseOf = (u: string) => u.split('/')[0];

  it('counts each unit once whoever finished it; reused means stored before, not trained by a sibling', () => {
    const m = new ShardMerge(2, 5, phaseOf);
    // Unit pt/0 was stored before this run: both workers find it.
    m.update(0, msg('pt/0', { reused: true, finished: ['pt/0'], computed: [] }));
    m.update(1, msg('pt/0', { reused: true, finished: ['pt/0'], computed: [] }));
    expect(m.unitsDone).toBe(1);
    expect(m.reusedEarlier).toBe(1);
    // Each trains one: worker 0 pt/1, worker 1 pt/2.
    m.update(0, msg('pt/1', { step: 3, totalSteps: 8, finished: ['pt/0'], computed: [] }));
    m.update(1, msg('pt/2', { step: 2, totalSteps: 8, finished: ['pt/0'], computed: [] }));
    expect(m.unitsDone).toBe(1);
    // Worker 0 finishes pt/1 and collects pt/2, which worker 1 stored (its own report comes later).
    m.update(0, msg('pt/2', { reused: true, finished: ['pt/0', 'pt/1', 'pt/2'], computed: ['pt/1'] }));
    expect(m.unitsDone).toBe(3);
    m.update(1, msg('msf/3', { step: 1, totalSteps: 8, finished: ['pt/0', 'pt/2', 'pt/1'], computed: ['pt/2'] }));
    expect(m.unitsDone).toBe(3);
    expect(m.reusedEarlier).toBe(1);
    expect(m.computedPerWorker()).toEqual([1, 1]);
    expect(m.phaseDone()).toEqual({ pt: 3 });
    // A worker's answer brings its last units (its last progress may have been throttled away).
    m.seen(1, { finished: ['pt/0', 'pt/1', 'pt/2', 'msf/3'], computed: ['pt/2', 'msf/3'] });
    expect(m.unitsDone).toBe(4);
    expect(m.phaseDone()).toEqual({ pt: 3, msf: 1 });
    expect(m.computedPerWorker()).toEqual([1, 2]);
  });

  it('gathers the finished units\' test scores from every worker and from their answers (the live curve)', () => {
    const m = new ShardMerge(2, 5, phaseOf);
    const before = m.tests;
    m.update(0, msg('pt/1', { finished: ['pt/1'], computed: ['pt/1'], tests: { 'pt/1': 0.8 } }));
    m.update(1, msg('ist/2', { finished: ['ist/2'], computed: ['ist/2'], tests: { 'ist/2': 0.4 } }));
    expect(m.tests).toEqual({ 'pt/1': 0.8, 'ist/2': 0.4 });
    // A new score is a new object (the UI redraws on it); nothing new, the same one.
    expect(m.tests).not.toBe(before);
    const same = m.tests;
    m.update(0, msg('pt/1', { finished: ['pt/1'], computed: ['pt/1'], tests: { 'pt/1': 0.8 } }));
    expect(m.tests).toBe(same);
    m.seen(1, { finished: ['ist/2', 'random/3'], computed: ['ist/2', 'random/3'], tests: { 'random/3': 0.1 } });
    expect(m.tests).toEqual({ 'pt/1': 0.8, 'ist/2': 0.4, 'random/3': 0.1 });
  });

  it('gathers the finished units\' intrinsic vectors from every worker (the live map)', () => {
    const m = new ShardMerge(2, 5, phaseOf);
    m.update(0, msg('ist/2', { finished: ['ist/2'], computed: ['ist/2'], vectors: { 'ist/2': [0.5, -1] } }));
    const before = m.vectors;
    m.seen(1, { finished: ['ist/2', 'ist/4'], computed: ['ist/4'], vectors: { 'ist/4': [2, 3] } });
    expect(m.vectors).toEqual({ 'ist/2': [0.5, -1], 'ist/4': [2, 3] });
    expect(m.vectors).not.toBe(before);
    const same = m.vectors;
    m.update(1, msg('ist/4', { finished: ['ist/4'], computed: ['ist/4'], vectors: { 'ist/4': [2, 3] } }));
    expect(m.vectors).toBe(same);
  });

  it('the curves follow one training unit until it is finished, then the next worker that trains', () => {
    const m = new ShardMerge(2, 5, phaseOf);
    expect(m.update(0, msg('pt/1', { step: 1, finished: [], computed: [] }))).toBe(true);
    expect(m.update(1, msg('pt/2', { step: 1, finished: [], computed: [] }))).toBe(false);
    expect(m.update(0, msg('pt/1', { step: 2, finished: [], computed: [] }))).toBe(true);
    // Worker 0 moves to collecting worker 1's unit: shown until a worker trains, then worker 1 has the focus.
    expect(m.update(0, msg('pt/2', { reused: true, finished: ['pt/1'], computed: ['pt/1'] }))).toBe(true);
    expect(m.update(1, msg('pt/2', { step: 2, finished: ['pt/1'], computed: [] }))).toBe(true);
    expect(m.update(0, msg('pt/2', { reused: true, finished: ['pt/1'], computed: ['pt/1'] }))).toBe(false);
    expect(m.update(0, msg('msf/3', { step: 1, finished: ['pt/1', 'pt/2'], computed: ['pt/1'] }))).toBe(true);
    expect(m.update(1, msg('msf/3', { reused: false, step: 1, finished: ['pt/1', 'pt/2'], computed: ['pt/2'] }))).toBe(false);
  });

  it('the ETA shares what is left of the whole study between the workers, at their pace', () => {
    const m = new ShardMerge(2, 10, phaseOf);
    expect(m.eta()).toBeUndefined();
    // Worker 0: 10 s per unit, it saw 2 of 10 done: its runner says 10 * 8 / 2 = 40 s.
    m.update(0, msg('pt/1', { step: 1, etaSeconds: 40, unitsTotal: 10, finished: ['a', 'b'], computed: ['a'] }));
    expect(m.eta()).toBeCloseTo(40);
    // Worker 1 reports 4 done (pace 10 s too): 4 units in the union now, so 10 * 6 / 2 = 30 s.
    m.update(1, msg('pt/2', { step: 1, etaSeconds: 30, unitsTotal: 10, finished: ['a', 'b', 'c', 'd'], computed: ['c'] }));
    expect(m.eta()).toBeCloseTo(30);
  });
});
