// validateLoadedTask: every task the loaders make passes (so the Tasks screen can store any import),
// and a damaged record is refused naming the field.
import { describe, expect, it } from 'vitest';
import { loadTasks, validateLoadedTask, withLoadedCategory, type LoadedTask } from '../../../../src/shared/tasks/index';
import { loadTasksFromPath } from '../../../../src/node/tasks';
import { SAMPLE_DIR, haveShared, problemsOf } from './support';

const hasSample = haveShared(SAMPLE_DIR, 'validating the crossfit-sample tasks');
const table = (): LoadedTask => {
  const rows = Array.from({ length: 20 }, (_, i) => `text ${i}\t${i % 2 ? 'yes' : 'no'}`);
  return loadTasks([{ path: 'mine.tsv', text: `input\toutput\n${rows.join('\n')}\n` }]).tasks[0]!;
};

describe('validateLoadedTask', () => {
  it.skipIf(!hasSample)('accepts every task of the CrossFit sample (TSV and JSONL), recategorised too', async () => {
    for (const format of ['tsv', 'jsonl'] as const) {
      const { tasks } = await loadTasksFromPath(SAMPLE_DIR, { format });
      for (const t of tasks) expect(validateLoadedTask(structuredClone(t), t.name)).toEqual(t);
      const changed = withLoadedCategory(tasks[0]!, { metric: 'EM' });
      expect(validateLoadedTask(changed, 'x')).toBe(changed);
    }
  });

  it('accepts tables of every split kind', () => {
    const given = loadTasks([{ path: 'g.tsv', text: 'input\toutput\tsplit\na\tA\ttrain\nb\tB\tdev\n' }]).tasks[0]!;
    for (const t of [table(), given]) expect(validateLoadedTask(t, t.name)).toBe(t);
  });

  it('names the first bad field', () => {
    const t = table();
    const cases: [unknown, string][] = [
      [null, 'the record must be an object'],
      [{ ...t, name: '' }, 'name must be a non-empty string'],
      [{ ...t, metric: 'BLEU' }, 'metric must be one of ACC, EM'],
      [{ ...t, seeds: [100] }, 'bySeed must hold one task per seed (1)'],
      [{ ...t, bySeed: t.bySeed.map((s, i) => (i === 1 ? { ...s, seed: 7 } : s)) }, 'bySeed[1].seed must be 13 (seeds[1])'],
      [{ ...t, bySeed: t.bySeed.map((s) => ({ ...s, dev: [] })) }, 'bySeed[0] must have train and dev examples'],
      [{ ...t, bySeed: t.bySeed.map((s) => ({ ...s, test: [{ input: 1, outputs: ['a'] }] })) }, 'bySeed[0].test[0].input must be a string'],
      [{ ...t, format: 'xml' }, 'format must be one of'],
      [{ ...t, tableSplit: { ...t.tableSplit, how: 'odd' } }, 'tableSplit.how must be given, crossfit or small'],
    ];
    for (const [value, message] of cases) {
      const p = problemsOf(() => validateLoadedTask(value, 'stored task "mine"'));
      expect(p[0]!.message).toContain(`stored task "mine": not a valid task: ${message}`);
    }
  });
});
