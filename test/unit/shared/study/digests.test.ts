import { describe, expect, it } from 'vitest';
import { checkTaskDigests, dataReads, taskDataDigest, taskDigests } from '../../../../src/shared/study/digests';
import { planStudy, type StudyPlan } from '../../../../src/shared/study/plan';
import { parseStudySpec, type StudySpec } from '../../../../src/shared/study/spec';
import type { TaskData } from '../../../../src/shared/tasks/types';

const spec: StudySpec = { name: 's', model: 'm', tasks: { train: ['a', 'b'], test: ['c'] }, dataSeed: 100, diffSeed: 13, intrinsicDims: [2], seeds: [1], preset: 'smoke', fineTune: true, iptInitPt: true };
const task = (name: string, seed: number, answer = 'y'): TaskData => ({ name, metric: 'ACC', train: [{ input: `${name} ${seed}`, outputs: [answer] }], dev: [], test: [{ input: 'x', outputs: ['y'] }] });
const keys = (p: StudyPlan) => p.batches.flatMap((b) => b.items.flatMap((i) => i.units.map((u) => u.key)));

describe('study digests', () => {
  it('reads every task at the data seed and the training tasks at the diff seed, only when unseen-data IST runs', () => {
    expect(dataReads(spec)).toEqual([['a', 100], ['b', 100], ['c', 100], ['a', 13], ['b', 13]]);
    expect(dataReads({ ...spec, istSettings: ['test'] })).toEqual([['a', 100], ['b', 100], ['c', 100]]);
  });

  it('a digest is of the content: equal data, equal digest; one changed answer, another', async () => {
    expect(await taskDataDigest(task('a', 100))).toBe(await taskDataDigest(task('a', 100)));
    expect(await taskDataDigest(task('a', 100, 'z'))).not.toBe(await taskDataDigest(task('a', 100)));
    expect(await taskDataDigest(task('a', 100))).toMatch(/^[0-9a-f]{16}$/);
  });

  it('changes the keys of exactly the units that read the changed data, and the subspaces built on it', async () => {
    const before = { ...spec, modelDigest: 'aaaaaaaaaaaaaaaa', taskDigests: await taskDigests(spec, (n, s) => task(n, s)) };
    // Task c's examples change (an edited file); a and b stay.
    const after = { ...before, taskDigests: await taskDigests(spec, (n, s) => task(n, s, n === 'c' ? 'z' : 'y')) };
    const [k0, k1] = [keys(planStudy(before)), keys(planStudy(after))];
    const changed = k1.filter((k) => !k0.includes(k));
    expect(changed.length).toBeGreaterThan(0);
    // Every changed unit is of task c (PT, FT, IST, random, PT from IST)...
    expect(changed.every((k) => k.includes('/c/'))).toBe(true);
    // ...and every unit of c changed; MSF trains on a and b only, so it stays.
    expect(k0.filter((k) => k.includes('/c/')).every((k) => !k1.includes(k))).toBe(true);
    expect(k1.filter((k) => k.startsWith('msf/'))).toEqual(k0.filter((k) => k.startsWith('msf/')));
    // A training task's data is in its subspace's key too.
    const trainChanged = { ...before, taskDigests: { ...before.taskDigests, 'a@100': '0123456789abcdef' } };
    expect(keys(planStudy(trainChanged)).filter((k) => k.startsWith('msf/'))).not.toEqual(k0.filter((k) => k.startsWith('msf/')));
    // Other weights: every key changes.
    const otherModel = keys(planStudy({ ...before, modelDigest: 'bbbbbbbbbbbbbbbb' }));
    expect(otherModel.filter((k) => k0.includes(k))).toEqual([]);
    // Without digests the keys are the ones earlier versions stored.
    expect(keys(planStudy(spec)).filter((k) => k.includes('~'))).toEqual([]);
  });

  it('a resumed study refuses data that changed since it started, naming the task', async () => {
    const started = { ...spec, taskDigests: await taskDigests(spec, (n, s) => task(n, s)) };
    await expect(checkTaskDigests(started, (n, s) => task(n, s))).resolves.toBeUndefined();
    await expect(checkTaskDigests(started, (n, s) => task(n, s, n === 'b' && s === 13 ? 'z' : 'y'))).rejects.toThrow(/the data of b@13 changed since the study started/);
  });

  it('parses digests from JSON and refuses what is not a hex digest', () => {
    const raw = { ...spec, modelDigest: 'abcdef0123456789', taskDigests: { 'a@100': '0123456789abcdef' } };
    expect(parseStudySpec(raw, 'x').taskDigests).toEqual({ 'a@100': '0123456789abcdef' });
    expect(() => parseStudySpec({ ...raw, taskDigests: { 'a@100': 'not hex' } }, 'x')).toThrow(/"taskDigests" must be an object of "task@seed": hex digest/);
    expect(() => parseStudySpec({ ...raw, modelDigest: 5 }, 'x')).toThrow(/"modelDigest" must be a hex digest/);
  });
});
