// The one validator of a study spec, as the CLI (study.json) and the worker (a Run request) call it.
import { describe, expect, it } from 'vitest';
import { parseStudySpec, studyPhases, StudyError, validateSpec, type StudySpec } from '../../../../src/shared/study/spec';
import { PRESETS, resolvePhases } from '../../../../src/shared/tuning/config';

const ok = { name: 's', model: 'm', tasks: { train: ['a'], test: ['b'] }, intrinsicDims: [2], seeds: [1] };

describe('parseStudySpec', () => {
  it('fills the data seeds and keeps every other field', () => {
    const s = parseStudySpec({ ...ok, fineTune: true, preset: 'smoke' }, 'x');
    expect(s).toEqual({ ...ok, fineTune: true, preset: 'smoke', dataSeed: 100, diffSeed: 13 });
  });

  it('allows a prompt-tuning-only study (no d_I), which the worker used to refuse', () => {
    expect(parseStudySpec({ ...ok, intrinsicDims: [], tasks: { train: [], test: ['b'] } }, 'x').intrinsicDims).toEqual([]);
  });

  it('names the field, the rule and what it got', () => {
    const bad = (patch: Record<string, unknown>) => () => parseStudySpec({ ...ok, ...patch }, 'study.json');
    expect(bad({ intrinsicDims: ['5'] })).toThrow('study.json: "intrinsicDims" must be a list of integers (empty: prompt tuning only), got ["5"]');
    expect(bad({ seeds: [] })).toThrow(/"seeds" must be a non-empty list of integers, got \[\]/);
    expect(bad({ preset: 'fast' })).toThrow(/"preset" must be one of smoke, browser, paper, got "fast"/);
    expect(bad({ fineTune: 'yes' })).toThrow(/"fineTune" must be true or false/);
    expect(bad({ tasks: { train: 'a' } })).toThrow(/"tasks" must be \{"train"/);
    expect(bad({ intrinsicDims: [0] })).toThrow(StudyError);
    expect(() => parseStudySpec([], 'w')).toThrow('w: expected a JSON object');
  });

  it('takes the out-of-domain test tasks and the unseen-data denominator, and names what is wrong with them', () => {
    const tasks = { train: ['a'], test: ['b', 'c'], testOutOfDomain: ['c'] };
    const s = parseStudySpec({ ...ok, tasks, unseenDataDenominator: 'diff-seed' }, 'study.json');
    expect(s.tasks).toEqual(tasks);
    expect(s.unseenDataDenominator).toBe('diff-seed');
    expect(parseStudySpec({ ...ok, tasks: { train: ['a'], test: ['b'] } }, 'f').tasks).not.toHaveProperty('testOutOfDomain');
    const bad = (patch: Record<string, unknown>) => () => parseStudySpec({ ...ok, ...patch }, 'study.json');
    expect(bad({ tasks: { ...tasks, testOutOfDomain: ['a'] } })).toThrow('study "s": tasks.testOutOfDomain must be test tasks; not in tasks.test: a');
    expect(bad({ tasks: { ...tasks, testOutOfDomain: ['c', 'c'] } })).toThrow(/tasks.testOutOfDomain lists c more than once/);
    expect(bad({ tasks: { ...tasks, testOutOfDomain: 'c' } })).toThrow(/"tasks" must be \{"train"/);
    expect(bad({ unseenDataDenominator: 'pt' })).toThrow('study.json: "unseenDataDenominator" must be one of data-seed, diff-seed, got "pt"');
  });

  it('requires a name unless the caller gives a default', () => {
    const { name: _n, ...anonymous } = ok;
    expect(() => parseStudySpec(anonymous, 'startStudy: spec')).toThrow(/"name" must be a non-empty string/);
    expect(parseStudySpec(anonymous, 'f.json', 'f.json').name).toBe('f.json');
  });
});

describe('validateSpec and studyPhases', () => {
  it('refuses a task on both sides and an empty training side when there is a d_I', () => {
    const s: StudySpec = { ...ok, dataSeed: 100, diffSeed: 13 };
    expect(() => validateSpec({ ...s, tasks: { train: ['a'], test: ['a'] } })).toThrow(/tasks in both train and test: a/);
    expect(() => validateSpec({ ...s, tasks: { train: [], test: ['b'] } })).toThrow(/tasks.train is empty/);
  });

  it('resolves defaults <- preset <- overrides', () => {
    const s: StudySpec = { ...ok, dataSeed: 100, diffSeed: 13, preset: 'smoke', phases: { ist: { lr: 0.5 } } };
    expect(studyPhases(s)).toEqual(resolvePhases(PRESETS.smoke, { ist: { lr: 0.5 } }));
  });
});
