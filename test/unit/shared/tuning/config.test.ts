import { describe, expect, it } from 'vitest';
import { lrAt, resolvePhases, PRESETS, PT_DEFAULTS } from '../../../../src/shared/tuning/config';

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
