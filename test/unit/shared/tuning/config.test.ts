import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../src/shared/tuning/rng';
import { lrAt, resolvePhases, PRESETS, PT_DEFAULTS } from '../../../../src/shared/tuning/config';

describe('Rng', () => {
  it('is reproducible from a seed and resumes exactly from its state', () => {
    const a = new Rng(42);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    const state = a.getState();
    const rest = Array.from({ length: 5 }, () => a.normal());
    const b = new Rng(42);
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(first);
    const c = new Rng(state);
    expect(Array.from({ length: 5 }, () => c.normal())).toEqual(rest);
    expect(new Rng(43).nextUint32()).not.toBe(new Rng(42).nextUint32());
  });

  it('draws normals with the requested moments and fair permutations', () => {
    const r = new Rng(7);
    const x = r.normalArray(20000, 0.02);
    const m = x.reduce((s, v) => s + v, 0) / x.length;
    const sd = Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / x.length);
    expect(Math.abs(m)).toBeLessThan(0.001);
    expect(sd).toBeGreaterThan(0.0195);
    expect(sd).toBeLessThan(0.0205);
    const p = r.permutation(10);
    expect([...p].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Every position takes every value across many permutations (not a fixed pattern).
    const seen = Array.from({ length: 4 }, () => new Set<number>());
    for (let i = 0; i < 200; i++) r.permutation(4).forEach((v, j) => seen[j]!.add(v));
    expect(seen.every((s) => s.size === 4)).toBe(true);
  });

  it('rejects a malformed state', () => {
    expect(() => new Rng([1, 2, 3] as never)).toThrow(/four uint32/);
  });
});

describe('learning-rate schedule', () => {
  const c = { lr: 1, warmupSteps: 10, totalSteps: 110, schedule: 'linear' as const };
  it('warms up linearly from 0, then decays linearly to 0 at totalSteps (transformers semantics)', () => {
    expect(lrAt(0, c)).toBe(0);
    expect(lrAt(5, c)).toBeCloseTo(0.5);
    expect(lrAt(10, c)).toBe(1);
    expect(lrAt(60, c)).toBeCloseTo(0.5);
    expect(lrAt(110, c)).toBe(0);
    expect(lrAt(200, c)).toBe(0);
  });
  it('stays at lr after warm-up when constant', () => {
    expect(lrAt(100, { ...c, schedule: 'constant' })).toBe(1);
  });
});

describe('phase configs', () => {
  it('keeps the reference defaults and layers presets and overrides', () => {
    const d = resolvePhases();
    expect(d.pt.promptTokens).toBe(100);
    expect(d.pt.maxGradNorm).toBe(0.1);
    expect(d.msf.alpha).toBe(200);
    expect(d.msf.hidden).toBe(768);
    const r = resolvePhases(PRESETS.smoke, { pt: { lr: 0.5 } });
    expect(r.pt.lr).toBe(0.5);
    expect(r.pt.promptTokens).toBe(PRESETS.smoke.pt!.promptTokens);
    expect(r.pt.initStd).toBe(PT_DEFAULTS.initStd);
  });
  it('names the bad field', () => {
    expect(() => resolvePhases({ msf: { batchSize: 0 } })).toThrow(/msf\.batchSize/);
    expect(() => resolvePhases({ pt: { schedule: 'cosine' as never } })).toThrow(/pt\.schedule/);
    expect(() => resolvePhases({ ist: { totalStep: 5 } as never })).toThrow(/ist\.totalStep is not a setting of ist/);
    expect(() => resolvePhases({ fft: {} } as never)).toThrow(/unknown phase "fft"/);
  });
});
