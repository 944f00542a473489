// The live demo's narration: words per phase, the paper's sizes, and a headline that changes only with the phase.
import { describe, expect, it } from 'vitest';
import { narrate } from '../../../../../src/ui/screens/start/narration';

const ctx = { promptTokens: 8, dModel: 128, trainTasks: 14, testTasks: 6 };

describe('narrate', () => {
  it('names the task and the prompt size of prompt tuning, next to the paper’s 76,800', () => {
    const s = narrate({ phase: 'pt', task: 'sentiment-review-goodbad', dI: null }, ctx);
    expect(s.now).toBe('Prompt tuning sentiment-review-goodbad: 1,024 numbers');
    expect(s.headline).toContain('8 × 128 = 1,024 numbers');
    expect(s.paper).toContain('100 × 768 = 76,800');
  });

  it('says how many prompts go into how many numbers, and the paper’s d_I 250', () => {
    const s = narrate({ phase: 'msf', dI: 2 }, ctx);
    expect(s.now).toBe('Subspace finding: 14 prompts squeezed into 2 numbers each');
    expect(s.paper).toContain('1,024 numbers go down to 2 (512 times fewer)');
    expect(s.paper).toContain('d_I = 250');
    expect(narrate({ phase: 'ist', task: 'summary-any', dI: 5 }, ctx).now).toBe('A new task learned with only 5 numbers: summary-any');
    expect(narrate({ phase: 'random', task: 'summary-any', dI: 5 }, ctx).headline).toMatch(/^Random-subspace baseline: the same 5 numbers/);
  });

  it('keeps the headline (the live region) still while tasks change within a phase', () => {
    const a = narrate({ phase: 'pt', task: 'a' }, ctx);
    const b = narrate({ phase: 'pt', task: 'b' }, ctx);
    expect([a.key, a.headline]).toEqual([b.key, b.headline]);
    expect(a.now).not.toBe(b.now);
    expect(narrate({ phase: 'ist', task: 'a', dI: 2 }, ctx).key).not.toBe(narrate({ phase: 'ist', task: 'a', dI: 5 }, ctx).key);
  });
});
