// The Run screen's form without a model: the preset choices say what each preset runs, from their
// resolved settings (the paper preset's grid, batches and reference decoding, the quick demo's
// greedy short runs), and the fields a quick study overrides are disabled, show the values it uses
// and say why. Run after `npx vite build`.
import type { Locator } from 'playwright-core';
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

  it('shows the fields a quick study overrides as disabled, with its values and why; editable again without it', async () => {
    const page = app.page;
    await app.open('run');
    const quick = page.getByLabel(/Quick study of the “random” split/);
    expect(await quick.isChecked()).toBe(true);
    const dims = page.getByLabel('d_I values');
    const maxTrain = page.getByLabel('Training tasks (at most)');
    const maxTest = page.getByLabel(/Unseen tasks \(at most\)/);
    /** What a screen reader reads after the field's name: the texts of its aria-describedby ids. */
    const description = (field: Locator) => field.evaluate((el) => (el.getAttribute('aria-describedby') ?? '').split(/\s+/)
      .map((id) => document.getElementById(id)?.textContent?.trim() ?? '').join(' '));
    // The random split's quick study: d_I 10, 14 training tasks, 6 unseen ones (all in domain).
    for (const [field, value] of [[dims, '10'], [maxTrain, '14'], [maxTest, '6']] as const) {
      await expect.poll(() => field.inputValue()).toBe(value);
      expect(await field.isDisabled()).toBe(true);
      expect(await description(field)).toMatch(/Set by the quick study/);
    }
    expect(await description(dims)).toContain('d_I 10');

    await quick.uncheck();
    for (const [field, value] of [[dims, '5, 10'], [maxTrain, '3'], [maxTest, '1']] as const) {
      await expect.poll(() => field.isEditable()).toBe(true);
      expect(await field.inputValue()).toBe(value);
      expect(await description(field)).not.toMatch(/Set by the quick study/);
    }
    // What the user typed is kept across ticking the quick study on and off.
    await dims.fill('2, 4');
    await quick.check();
    await expect.poll(() => dims.inputValue()).toBe('10');
    await quick.uncheck();
    await expect.poll(() => dims.inputValue()).toBe('2, 4');
    expect(app.pageErrors).toEqual([]);
  });
});
