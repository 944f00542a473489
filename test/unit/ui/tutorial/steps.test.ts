// The tutorial speaks of the loaded model's sizes next to the paper's.
import { describe, expect, it } from 'vitest';
import { sizesText, tutorialSteps } from '../../../../src/ui/tutorial/steps';

describe('tutorial sizes', () => {
  it('gives the loaded model’s parameters, width and prompt, and the paper’s', () => {
    const text = sizesText({ modelId: 'embedded:intrinsic-bart-tiny', params: 1_120_000, dModel: 128, promptTokens: 8 });
    expect(text).toContain('1,120,000 parameters and width d_model = 128');
    expect(text).toContain('8 × 128 = 1,024 numbers');
    expect(text).toContain('100 × 768 = 76,800');
    expect(text).toContain('BART-base is 125 times larger');
    expect(tutorialSteps(null)[0]!.body.join(' ')).toContain('No model is loaded yet');
  });
});
