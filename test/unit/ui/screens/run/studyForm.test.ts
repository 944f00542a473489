// The Run screen's preset descriptions are derived from the resolved settings.
import { describe, expect, it } from 'vitest';
import { presetSummary, quickFieldValues, studyTasks } from '../../../../../src/ui/screens/run/studyForm';
import { quickStudySpec } from '../../../../../src/shared/study/quick';
import { PRESETS, resolvePhases } from '../../../../../src/shared/tuning/config';

describe('presetSummary', () => {
  it('states what the paper preset runs: the PT, IST and FT grids, the reference scripts\' batches and the reference decoding', () => {
    expect(presetSummary(resolvePhases(PRESETS.paper))).toBe(
      'PT: 100-token prompt, 100,000 steps, a grid of lr 0.00001/0.00002/0.00005/0.0001 x batch 2/4/8 (best dev wins); '
      + 'MSF: batch 64, 100,000 steps; IST: 100,000 steps, a grid of lr 0.00001/0.00002/0.00005/0.0001 x batch 2/4/8 (best dev wins); '
      + 'FT (a baseline, when asked): 10,000 steps, a grid of lr 0.00001/0.00002/0.00005/0.0001 x batch 2/4/8 (best dev wins); '
      + 'Random_all (a baseline, when asked): 100 numbers over every weight, 30,000 steps, lr 0.00001, batch 4; '
      + 'training with the model\'s dropout; examples as the reference\'s dataloaders make them (input cut to 512 - P tokens, a gold answer drawn per draw, MSF/IST targets after a space; gradients clipped at 0.1 over the tuned numbers only, where the reference\'s clip also counts BART\'s weight gradients); '
      + 'evaluation: 4 beams, up to 63 tokens, as the reference decodes (starts from <s>, the model\'s n-gram ban).',
    );
  });
  it('states the smoke preset\'s single cell and greedy decoding', () => {
    expect(presetSummary(resolvePhases(PRESETS.smoke))).toBe(
      'PT: 8-token prompt, 100 steps, lr 0.05, batch 8; MSF: batch 8, 400 steps; IST: 100 steps, lr 0.1, batch 8; FT (a baseline, when asked): 40 steps, lr 0.001, batch 4; Random_all (a baseline, when asked): 100 numbers over every weight, 100 steps, lr 0.01, batch 8; evaluation: greedy, up to 16 tokens.',
    );
  });
});

describe('studyTasks', () => {
  it('takes a named split\'s out-of-domain tasks too, up to the limit of each kind, and names them', () => {
    const set = { train: ['a', 'b', 'c'], test: ['in1', 'in2'], testOutOfDomain: ['out1', 'out2'] };
    expect(studyTasks(set, 2, 1)).toEqual({ train: ['a', 'b'], test: ['in1', 'out1'], testOutOfDomain: ['out1'] });
    expect(studyTasks({ ...set, testOutOfDomain: [] }, 3, 5)).toEqual({ train: ['a', 'b', 'c'], test: ['in1', 'in2'] });
    expect(studyTasks(set, 1, 0)).toEqual({ train: ['a'], test: [] });
  });
});

describe('quickFieldValues', () => {
  it('gives the values a quick study uses in the fields it overrides (unseen tasks counted per kind)', () => {
    expect(quickFieldValues(quickStudySpec('random'))).toEqual({ dims: '10', maxTrain: 14, maxTest: 6 });
    // cls: 3 unseen cls tasks and 3 out-of-domain non-cls ones, so at most 3 of each kind.
    expect(quickFieldValues(quickStudySpec('cls'))).toEqual({ dims: '10', maxTrain: 14, maxTest: 3 });
    expect(quickFieldValues({ intrinsicDims: [2, 5], tasks: { train: ['a'], test: ['b', 'c', 'd'], testOutOfDomain: ['d'] } })).toEqual({ dims: '2, 5', maxTrain: 1, maxTest: 2 });
  });
});
