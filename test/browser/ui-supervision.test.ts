// A dead engine worker, in Chromium on the built app: a tiny study (tiny random BART in the Hub
// layout, 2 training tasks + 1 unseen, d_I 2, a few steps) runs from the Run screen until a unit has
// finished; then the worker is killed (intrinsicLab.engine.kill(): terminated as a crash would, and
// handled as one). The Run screen must say the study was interrupted and offer Resume instead of
// "Running" forever; the model is loaded again from the weight cache in a fresh worker; Resume
// finishes the study, reusing what was finished before the crash.
// Run after `npx vite build` (APP_DIST=<folder> for another build).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULTS, type AppUnderTest } from './support/app';
import { launchWithTinyHub } from './support/hubModel';


describe('engine worker supervision (built app in Chromium)', () => {
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    app = await launchWithTinyHub('ui-supervision');
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
  });

  const status = () => page.getAttribute('[data-testid="run-status"]', 'data-status');
  const statusText = async () => (await page.textContent('[data-testid="run-status"]')) ?? '';

  it('a study whose worker dies says so, the model comes back from the cache, and Resume finishes it', async () => {
    await app.loadHubModel('tiny/bart');
    await page.getByRole('link', { name: 'Run', exact: true }).click();
    await page.waitForSelector('[data-testid="run-model"]');
    expect(await page.textContent('[data-testid="run-model"]')).toBe('hub:tiny/bart');
    await page.getByLabel(/Quick demo/).check();
    await page.getByLabel(/Quick study of the “random” split/).uncheck();
    await page.getByLabel('d_I values').fill('2');
    await page.getByLabel('Run seeds').fill('1');
    await page.getByLabel('Training tasks (at most)').fill('2');
    await page.getByLabel('Unseen tasks (at most)').fill('1');
    await page.getByLabel('PT steps').fill('4');
    await page.getByLabel('MSF steps').fill('4');
    await page.getByLabel('IST steps').fill('4');
    await page.getByRole('button', { name: 'Start study' }).click();

    // A unit has finished: its result is stored, so a resume must reuse it.
    await page.waitForFunction(() => /Running: [1-9]\d* of/.test(document.querySelector('[data-testid="run-status"]')?.textContent ?? ''), null, { timeout: 240_000 });
    await page.evaluate(() => (globalThis as unknown as { intrinsicLab: { engine: { kill(): void } } }).intrinsicLab.engine.kill());

    // Not "Running" forever: interrupted, with what happened, and Resume offered on the study.
    await expect.poll(status, { timeout: 30_000 }).toBe('interrupted');
    expect(await statusText()).toMatch(/^Interrupted: the engine worker was stopped \(killed from the page\); startStudy did not finish\. .*resume it under “Unfinished studies”\./);
    expect(await page.getByRole('button', { name: 'Pause' }).isDisabled()).toBe(true);
    const entry = page.locator('[data-testid="unfinished-study"]').first();
    await expect.poll(() => entry.textContent(), { timeout: 30_000 }).toContain('interrupted (the engine stopped) — resume');

    // A fresh worker loads the model again, from the weight cache.
    const notice = page.locator('[data-testid="engine-stopped"]');
    await expect.poll(() => notice.textContent(), { timeout: 120_000 }).toMatch(/It was restarted and the model was loaded from the browser cache\.$/);
    expect(await page.textContent('[data-testid="run-model"]')).toBe('hub:tiny/bart');
    await page.screenshot({ path: join(RESULTS, 'ui-supervision-interrupted.png'), fullPage: true });

    await entry.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(status, { timeout: 600_000, interval: 1000 }).toBe('done');
    expect(Number(await page.getAttribute('[data-testid="run-status"]', 'data-reused'))).toBeGreaterThanOrEqual(1);
    expect(app.pageErrors).toEqual([]);
  });
});
