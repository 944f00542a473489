// The Run screen's preset choices say what each preset runs, from its resolved settings: the paper
// preset's grid, batches and reference decoding, the quick demo's greedy short runs. Run after `npx vite build`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type AppUnderTest } from './support/app';

describe('Run screen presets (built app in Chromium)', () => {
  let app: AppUnderTest;
  beforeAll(async () => { app = await launchApp(); });
  afterAll(async () => { await app?.close(); });

  it('describes the paper preset as the reference scripts run it, and the quick demo as it runs', async () => {
    await app.open('run');
    const paper = app.page.getByTestId('preset-summary-paper');
    await paper.waitFor();
    const text = await paper.textContent();
    expect(text).toContain('100-token prompt, 100,000 steps, a grid of lr 0.00001/0.00002/0.00005/0.0001 x batch 2/4/8 (best dev wins)');
    expect(text).toContain('MSF: batch 64');
    expect(text).toContain('IST: 100,000 steps, a grid of lr 0.00001/0.00002/0.00005/0.0001 x batch 2/4/8');
    expect(text).toContain('4 beams, up to 63 tokens, as the reference decodes');
    expect(await app.page.locator('.presets label', { has: paper }).textContent()).toMatch(/Paper — The reference scripts' settings/);
    expect(await app.page.getByTestId('preset-summary-smoke').textContent()).toContain('evaluation: greedy, up to 16 tokens.');
    expect(app.pageErrors).toEqual([]);
  });
});
