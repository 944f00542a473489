import { describe, expect, it } from 'vitest';
import { lrAt, resolvePhases, PRESETS, PT_DEFAULTS, REFERENCE_EVALUATION } from '../../../../src/shared/tuning/config';
import { hashKey } from '../../../../src/shared/hash';

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

describe('the paper preset is the reference scripts\' settings (issue #15 table)', () => {
  const p = resolvePhases(PRESETS.paper);
  it('PT: grid lr {1e-5, 2e-5, 5e-5, 1e-4} x batch {2, 4, 8}, warm-up 10,000, dev every 1,000 (promptTune.sh)', () => {
    expect(p.pt.gridLr).toEqual([1e-5, 2e-5, 5e-5, 1e-4]);
    expect(p.pt.gridBatchSize).toEqual([2, 4, 8]);
    expect([p.pt.warmupSteps, p.pt.evalEvery, p.pt.totalSteps, p.pt.promptTokens, p.pt.maxGradNorm, p.pt.weightDecay]).toEqual([10_000, 1000, 100_000, 100, 0.1, 0]);
  });
  it('MSF: batch 64, weight decay 0, dev every 5,000 (MSF_prompt.sh)', () => {
    expect([p.msf.batchSize, p.msf.weightDecay, p.msf.evalEvery, p.msf.totalSteps, p.msf.warmupSteps, p.msf.lr, p.msf.alpha, p.msf.hidden]).toEqual([64, 0, 5000, 100_000, 6000, 3e-5, 200, 768]);
  });
  it('IST: lr 1e-5, batch 4, warm-up 6,000, dev every 1,000 (IST_prompt.sh)', () => {
    expect([p.ist.lr, p.ist.batchSize, p.ist.warmupSteps, p.ist.evalEvery, p.ist.totalSteps, p.ist.weightDecay]).toEqual([1e-5, 4, 6000, 1000, 100_000, 0]);
  });
  it('FT: 10,000 steps, dev every 100, weight decay 0.01 except the no_decay names, over PT\'s grid', () => {
    expect([p.ft.totalSteps, p.ft.evalEvery, p.ft.weightDecay]).toEqual([10_000, 100, 0.01]);
    expect([p.ft.gridLr, p.ft.gridBatchSize]).toEqual([[1e-5, 2e-5, 5e-5, 1e-4], [2, 4, 8]]);
    expect(p.ft.noDecay).toEqual(['bias', 'LayerNorm.weight']);
  });
  it('every phase evaluates with the reference call: 4 beams, max_length 64 (63 new tokens), the reference convention', () => {
    for (const phase of [p.pt, p.msf, p.ist, p.ft]) expect([phase.numBeams, phase.maxNewTokens, phase.decoding]).toEqual([4, 63, 'reference']);
    expect(REFERENCE_EVALUATION).toEqual({ decoding: 'reference', numBeams: 4, maxNewTokens: 63 });
  });
  it('the smoke and browser presets resolve exactly as before (their unit keys hash these configs)', () => {
    // Recorded from the configs of commit 679638c, before decoding/noDecay existed.
    // The four phases the keys of those days hashed (Random_all's settings came later, keyed on their own).
    const four = ({ pt, msf, ist, ft }: ReturnType<typeof resolvePhases>) => ({ pt, msf, ist, ft });
    expect(hashKey(four(resolvePhases(PRESETS.smoke)))).toBe('be02788bf1c3d3c5');
    expect(hashKey(four(resolvePhases(PRESETS.browser)))).toBe('8f14855663653f56');
    for (const c of Object.values(resolvePhases(PRESETS.smoke))) expect('decoding' in c || 'noDecay' in c).toBe(false);
  });
  it('Random_all: d 100, lr 1e-5, batch 4, 30,000 steps, warm-up 3,000, dev every 1,000, no weight decay (Tune_said.sh)', () => {
    const r = p.randomAll;
    expect([r.dim, r.lr, r.batchSize, r.totalSteps, r.warmupSteps, r.evalEvery, r.weightDecay, r.maxGradNorm]).toEqual([100, 1e-5, 4, 30_000, 3000, 1000, 0, 0.1]);
    expect([r.decoding, r.numBeams, r.maxNewTokens, r.dropout, r.data]).toEqual(['reference', 4, 63, 'config', 'reference']);
    expect(() => resolvePhases({ randomAll: { dim: 0 } })).toThrow(/randomAll\.dim must be a positive integer, got 0/);
    expect(() => resolvePhases({ randomAll: { promptTokens: 3 } as never })).toThrow(/randomAll\.promptTokens is not a setting of randomAll/);
  });
  it('checks the new settings', () => {
    expect(() => resolvePhases({ pt: { decoding: 'fast' as never } })).toThrow(/pt\.decoding must be "engine" or "reference"/);
    expect(() => resolvePhases({ ft: { noDecay: [''] } })).toThrow(/ft\.noDecay/);
    expect(() => resolvePhases({ pt: { noDecay: ['bias'] } as never })).toThrow(/pt\.noDecay is not a setting of pt/);
  });
  it('trains every phase with the config\'s dropout, as the reference trains in model.train()', () => {
    for (const phase of [p.pt, p.msf, p.ist, p.ft]) expect(phase.dropout).toBe('config');
    // Absent from the defaults and the other presets: their unit keys stay what they were.
    for (const c of [...Object.values(resolvePhases()), ...Object.values(resolvePhases(PRESETS.smoke)), ...Object.values(resolvePhases(PRESETS.browser))]) expect('dropout' in c).toBe(false);
    for (const phase of ['pt', 'msf', 'ist', 'ft'] as const) expect(resolvePhases({ [phase]: { dropout: 'off' } })[phase].dropout).toBe('off');
    expect(() => resolvePhases({ msf: { dropout: 0.1 as never } })).toThrow(/msf\.dropout must be "config" or "off", got 0\.1/);
  });
  it('shapes every phase\'s examples as the reference\'s dataloaders do (data: "reference"); no other preset says so', () => {
    for (const phase of [p.pt, p.msf, p.ist, p.ft]) expect(phase.data).toBe('reference');
    for (const c of [...Object.values(resolvePhases()), ...Object.values(resolvePhases(PRESETS.smoke)), ...Object.values(resolvePhases(PRESETS.browser))]) expect('data' in c).toBe(false);
    expect(() => resolvePhases({ ist: { data: 'crossfit' as never } })).toThrow(/ist\.data must be "engine" or "reference", got "crossfit"/);
  });
});
