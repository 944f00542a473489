import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANALYSIS_SPLIT_FILES, SPLIT_FILES } from '../../../../src/shared/tasks/index';
import { META_DIR, haveShared } from './support';

const DIR = join(META_DIR, 'analysis-splits');
const hasMeta = haveShared(DIR, 'analysis splits vs ../shared/crossfit-meta/analysis-splits');

describe.skipIf(!hasMeta)('the analysis split files equal ../shared/crossfit-meta/analysis-splits', () => {
  it('holds every random_<n> and random_heldout_* file, train and test unchanged', () => {
    const files = readdirSync(DIR).filter((f) => /^random_(20|40|60|80|heldout_.*)\.json$/.test(f)).map((f) => f.slice(0, -5)).sort();
    expect(Object.keys(ANALYSIS_SPLIT_FILES).sort()).toEqual(files);
    for (const name of files) {
      const raw = JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as { train: string[]; test: string[] };
      expect(ANALYSIS_SPLIT_FILES[name], name).toEqual({ train: raw.train, test: raw.test });
    }
  });
});

describe('the analysis splits', () => {
  const random = SPLIT_FILES.random!;
  it('random_<n>: n training tasks among split-random\'s, and its 20 test tasks', () => {
    for (const n of [20, 40, 60, 80]) {
      const s = ANALYSIS_SPLIT_FILES[`random_${n}`]!;
      expect(s.train).toHaveLength(n);
      expect(s.train.filter((t) => !random.train!.includes(t))).toEqual([]);
      expect(s.test).toEqual(random.test);
    }
  });
  it('random_heldout_<type>: its test tasks are the union of its _test files and not in its train', () => {
    const types = Object.keys(ANALYSIS_SPLIT_FILES).filter((k) => /^random_heldout_[a-z]+$/.test(k));
    expect(types).toHaveLength(13);
    for (const k of types) {
      const s = ANALYSIS_SPLIT_FILES[k]!;
      const parts = Object.keys(ANALYSIS_SPLIT_FILES).filter((x) => x.startsWith(`${k}_test`)).flatMap((x) => ANALYSIS_SPLIT_FILES[x]!.test);
      expect(new Set(parts), k).toEqual(new Set(s.test));
      expect(s.train.filter((t) => s.test.includes(t)), k).toEqual([]);
    }
  });
});
