import { describe, expect, it } from 'vitest';
import { EREL_KEYS } from '../../../../src/shared/study/results';
import { NOT_TRANSCRIBED, PAPER_CURRENT_SOURCE, PAPER_EREL, PAPER_SOURCES, paperSource } from '../../../../src/shared/study/paperValues';

describe('the paper’s transcribed values', () => {
  it('gives every value a known source with a version, a place and a https link', () => {
    expect(PAPER_EREL.length).toBeGreaterThan(0);
    for (const s of PAPER_SOURCES) {
      expect(s.version.length, s.id).toBeGreaterThan(20);
      expect(s.where.length, s.id).toBeGreaterThan(0);
      expect(new URL(s.url).protocol, s.id).toBe('https:');
    }
    expect(new Set(PAPER_SOURCES.map((s) => s.id)).size).toBe(PAPER_SOURCES.length);
    for (const v of PAPER_EREL) {
      expect(() => paperSource(v.source)).not.toThrow();
      expect(v.quote.length).toBeGreaterThan(20);
      expect(typeof v.exact).toBe('boolean');
    }
    expect(PAPER_SOURCES.map((s) => s.id)).toContain(PAPER_CURRENT_SOURCE);
    expect(() => paperSource('nowhere')).toThrow('no source "nowhere"');
  });

  it('holds sane numbers: a positive integer d_I, E_rel a fraction in (0, 1.5], a challenge results.json knows', () => {
    for (const v of PAPER_EREL) {
      expect(Number.isInteger(v.dI) && v.dI > 0, JSON.stringify(v)).toBe(true);
      expect(v.erel > 0 && v.erel <= 1.5, JSON.stringify(v)).toBe(true);
      expect(EREL_KEYS).toContain(v.challenge);
      expect(v.trainTasks).toBeGreaterThan(0);
      expect(v.testTasks).toBeGreaterThan(0);
    }
    const ids = PAPER_EREL.map((v) => `${v.source}/${v.challenge}/${v.split}/${v.dI}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has the abstract’s headline: 97% (seen tasks, new data) and 83% (unseen tasks) at d_I 250 with 100 tasks', () => {
    const at250 = PAPER_EREL.filter((v) => v.source === PAPER_CURRENT_SOURCE && v.dI === 250);
    expect(at250.map((v) => [v.challenge, v.erel, v.trainTasks, v.testTasks, v.exact])).toEqual([
      ['train_diff_ist', 0.97, 100, 20, true],
      ['test_ist', 0.83, 100, 20, true],
    ]);
    for (const v of at250) expect(v.quote).toContain('97% and 83%');
    expect(paperSource(PAPER_CURRENT_SOURCE).url).toContain('2110.07867');
  });

  it('says what it does not hold', () => {
    const missing = NOT_TRANSCRIBED.join(' ');
    for (const what of ['Fig. 3', 'Table III', 'Tables V-VIII']) expect(missing).toContain(what);
  });
});
