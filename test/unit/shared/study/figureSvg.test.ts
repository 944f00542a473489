// The CLI's SVG figures: category labels wrap to two lines of their slot, the full text kept as a <title>.
import { describe, expect, it } from 'vitest';
import type { AnalysisFigure } from '../../../../src/shared/study/analyses';
import { figureSvg, wrapLabel } from '../../../../src/shared/study/figureSvg';

describe('wrapLabel', () => {
  it('fills lines word by word, at most two, and cuts the rest with an ellipsis', () => {
    expect(wrapLabel('IST in the found subspace, d_I 10', 20)).toEqual(['IST in the found', 'subspace, d_I 10']);
    expect(wrapLabel('short', 20)).toEqual(['short']);
    expect(wrapLabel('one two three four five six seven', 10)).toEqual(['one two', 'three fou…']);
    expect(wrapLabel('abcdefghijklmnopqrstuvwxyz', 10)).toEqual(['abcdefghi…']);
  });
});

describe('figureSvg', () => {
  it('draws bar labels in two lines with the whole label as their title', () => {
    const f: AnalysisFigure = {
      analysis: 'random-all', title: 'T', paper: '§V-A', kind: 'bars', xLabel: 'x', yLabel: 'y',
      // Four slots of 116 px: 17 characters a line.
      x: ['IST in the found subspace, d_I 10', 'b', 'c', 'Random_all, every weight, d 100'], series: [{ name: 's', y: [0.8, 0.1, 0.2, 0.6] }],
      table: { columns: [], rows: [] }, notes: [],
    };
    const svg = figureSvg(f);
    expect(svg).toContain('<title>IST in the found subspace, d_I 10</title>');
    expect(svg).toMatch(/<title>Random_all, every weight, d 100<\/title><tspan[^>]*>Random_all, every<\/tspan><tspan[^>]*dy="14">weight, d 100<\/tspan>/);
    expect(svg).toMatch(/<title>b<\/title><tspan[^>]*dy="0">b<\/tspan><\/text>/);
  });
});
