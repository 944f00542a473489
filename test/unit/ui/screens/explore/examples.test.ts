// The Explore screen's text boxes: typed examples for tuning, sample inputs for the walk.
import { describe, expect, it } from 'vitest';
import { parseExamples, parseSampleInputs } from '../../../../../src/ui/screens/explore/examples';

describe('parseExamples', () => {
  it('reads input<TAB>output lines, trims, skips blank lines, takes extra tabs as more outputs', () => {
    expect(parseExamples(' good film \tpositive\r\n\nok\tfine\tgood\t\n')).toEqual([
      { input: 'good film', outputs: ['positive'] },
      { input: 'ok', outputs: ['fine', 'good'] },
    ]);
    expect(parseExamples('')).toEqual([]);
  });

  it('names the line that has no output', () => {
    expect(() => parseExamples('a\tb\nno tab here')).toThrow('line 2: expected "input<TAB>output", got "no tab here"');
    expect(() => parseExamples('\t positive')).toThrow(/^line 1:/);
  });
});

describe('parseSampleInputs', () => {
  it('keeps the non-blank lines, trimmed, at most eight', () => {
    expect(parseSampleInputs(' a \n\nb\r\n')).toEqual(['a', 'b']);
    expect(parseSampleInputs(Array.from({ length: 10 }, (_, i) => `x${i}`).join('\n'))).toHaveLength(8);
  });
});
