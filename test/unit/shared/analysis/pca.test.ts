// Projecting onto a PCA fit and moving along its directions: what the Explore screen plots and walks.
import { describe, expect, it } from 'vitest';
import { alongComponents, pca, projectOnto } from '../../../../src/shared/analysis/pca';

const ROWS = [
  [2, 0, 1],
  [-2, 0, 1],
  [0, 1, 1],
  [0, -1, 1],
];

describe('projectOnto / alongComponents', () => {
  const fit = pca(ROWS, 2);

  it('gives a fitted row the coordinates pca gave it, and 0 beyond the fit', () => {
    ROWS.forEach((r, i) => {
      const [x, y] = projectOnto(fit, r);
      expect(x).toBeCloseTo(fit.projected[i]![0]!, 12);
      expect(y).toBeCloseTo(fit.projected[i]![1]!, 12);
    });
    expect(projectOnto(pca(ROWS, 1), ROWS[0]!, 2)[1]).toBe(0);
  });

  it('moves by standard deviations along each direction, and projects back to those steps', () => {
    expect(alongComponents(fit, fit.mean, [0, 0])).toEqual(fit.mean);
    const z = alongComponents(fit, fit.mean, [1.5, -1]);
    const [a, b] = projectOnto(fit, z);
    expect(a).toBeCloseTo(1.5 * Math.sqrt(fit.variance[0]!), 12);
    expect(b).toBeCloseTo(-1 * Math.sqrt(fit.variance[1]!), 12);
  });
});
