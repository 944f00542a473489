// The paper's analyses in the tab (Run screen, "A figure or table of the paper"), end to end on the
// built app: a tiny random BART served in the Hub layout, a small study of the built-in world as
// the base, the analysis's studies run one after another (one is paused and the analysis started
// again), and the figure on Results, kept across a reload. A second analysis fine-tunes every
// weight in the tab (E_rel vs FT), a third tunes a random subspace of every weight (Random_all).
// Run after `npx vite build`.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULTS, type AppUnderTest } from './support/app';
import { launchWithTinyHub } from './support/hubModel';
import { plotData } from './support/plot';


describe('paper analyses (built app in Chromium)', () => {
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    app = await launchWithTinyHub('ui-analysis');
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
  });

  const analysisStatus = () => page.getAttribute('[data-testid="analysis-status"]', 'data-status');

  /** The Run form as a small study: 3 training tasks, 1 unseen, d_I 2, a few steps. */
  async function smallStudy(): Promise<void> {
    await page.getByRole('link', { name: 'Run', exact: true }).click();
    await page.waitForSelector('[data-testid="run-model"]');
    await page.getByLabel(/Quick demo/).check();
    await page.getByLabel(/Quick study of the “random” split/).uncheck();
    await page.getByLabel('d_I values').fill('2');
    await page.getByLabel('Run seeds').fill('1');
    await page.getByLabel('Training tasks (at most)').fill('3');
    await page.getByLabel('Unseen tasks (at most)').fill('1');
    for (const f of ['PT steps', 'MSF steps', 'IST steps']) await page.getByLabel(f).fill('4');
  }

  it('Fig. 7: a study per share of the training tasks, paused and started again, the figure on Results and after a reload', async () => {
    await app.loadHubModel('tiny/bart');
    await smallStudy();
    await page.getByLabel('A figure or table of the paper over this study').selectOption('task-count');
    expect(await page.textContent('[data-testid="analysis-help"]')).toMatch(/It runs 3 studies over\s+the\s+settings above \(33%; 67%; 100%\)/);
    const start = page.getByRole('button', { name: 'Start the analysis (3 studies)' });
    await start.click();
    // The whole analysis has its own bar beside the running study's.
    await page.waitForSelector('[data-testid="analysis-progress"]');
    // Pause inside the second study: the analysis stops there and says how to go on.
    await page.waitForFunction(() => /study 2 of 3/.test(document.querySelector('[data-testid="analysis-status"]')?.textContent ?? ''), null, { timeout: 300_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') === 'running', null, { timeout: 60_000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(analysisStatus, { timeout: 120_000 }).toBe('stopped');
    expect(await page.textContent('[data-testid="analysis-status"]')).toMatch(/stopped at study 2 of 3 \(67%\)\. Start it again to go on: what finished is reused\./);
    // Started again, the first study's units are all reused.
    await start.click();
    await page.waitForFunction(() => /study 1 of 3/.test(document.querySelector('[data-testid="analysis-status"]')?.textContent ?? '') && Number(document.querySelector('[data-testid="run-status"]')?.getAttribute('data-reused')) > 0, null, { timeout: 120_000 });
    await expect.poll(analysisStatus, { timeout: 600_000, interval: 1000 }).toBe('done');

    await page.getByRole('link', { name: 'Open Results' }).click();
    await page.waitForSelector('[data-testid="analysis-results"][data-analysis="task-count"]');
    const traces = await plotData(page, 'analysis-chart');
    const unseen = traces.find((t) => t.name === 'new tasks (IST) · T_test(IST), d_I 2')!;
    expect(unseen.x).toEqual([33, 67, 100]);
    // Its last point is the last study's own E_rel, which the Results screen shows below (the 100% study).
    const erel = await page.$$eval('[data-testid="erel-table"] tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td,th')].map((c) => c.textContent?.trim() ?? '')));
    const row = erel.find((r) => r.some((c) => c.startsWith('new tasks (IST)')))!;
    const last = unseen.y!.at(-1) as number | null;
    expect(row.join(' ')).toContain(last === null ? '–' : last.toFixed(3));
    expect(await page.textContent('[data-testid="analysis-notes"]')).toMatch(/\(Fig\. 7, §V-C\) are not drawn beside it/);
    expect(await page.textContent('[data-testid="analysis-source"]')).toMatch(/^From 3 studies over “my study” on hub:tiny\/bart: my study\/task-count\/33%; my study\/task-count\/67%; my study\/task-count\/100%\.$/);
    // Started again after the pause, it took up its own studies: three records, all finished, none left unfinished.
    const listed = await page.evaluate(async () => (await (globalThis as unknown as { intrinsicLab: { engine: { listStudies(): Promise<{ spec: { name: string }; status: string }[]> } } }).intrinsicLab.engine.listStudies()).map((s) => [s.spec.name, s.status]));
    expect(listed.sort()).toEqual([['my study/task-count/100%', 'done'], ['my study/task-count/33%', 'done'], ['my study/task-count/67%', 'done']]);
    await page.screenshot({ path: join(RESULTS, 'ui-analysis-task-count.png'), fullPage: true });

    // The Run form kept what was typed while Results was shown.
    await page.getByRole('link', { name: 'Run', exact: true }).click();
    expect(await page.getByLabel('A figure or table of the paper over this study').inputValue()).toBe('task-count');
    expect(await page.getByLabel('PT steps').inputValue()).toBe('4');
    await page.getByRole('link', { name: 'Results', exact: true }).click();

    await page.reload();
    await page.waitForSelector('[data-testid="analysis-results"][data-analysis="task-count"]');
    expect((await plotData(page, 'analysis-chart')).find((t) => t.name === unseen.name)!.y).toEqual(unseen.y);
  });

  it('Fig. 3(b): fine-tuning every weight in the tab, E_rel vs FT dashed beside E_rel vs PT', async () => {
    await app.loadHubModel('tiny/bart');
    await smallStudy();
    await page.getByLabel('A figure or table of the paper over this study').selectOption('ft');
    expect(await page.textContent('[data-testid="analysis-help"]')).toMatch(/fine-tunes every weight of the model as a baseline/);
    await page.getByRole('button', { name: 'Start the analysis (1 study)' }).click();
    await page.waitForSelector('[data-testid="phase-ft"]', { timeout: 120_000 });
    await expect.poll(analysisStatus, { timeout: 600_000, interval: 1000 }).toBe('done');
    expect(await page.getAttribute('[data-testid="phase-ft"]', 'data-percent')).toBe('100');
    await page.getByRole('link', { name: 'Open Results' }).click();
    await page.waitForSelector('[data-testid="analysis-results"][data-analysis="ft"]');
    const traces = await plotData(page, 'analysis-chart');
    expect(traces.map((t) => [t.name, t.line?.dash])).toContainEqual(['new tasks (IST) · T_test(IST): E_rel vs FT', 'dash']);
    expect(traces.map((t) => [t.name, t.line?.dash])).toContainEqual(['new tasks (IST) · T_test(IST): E_rel vs PT', 'solid']);
    // PT's own ratio to fine-tuning is in the figure's table, a number.
    const cells = await page.$$eval('[data-testid="analysis-chart"] table tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td,th')].map((c) => c.textContent?.trim() ?? '')));
    const ptOverFt = cells.find((r) => r.includes('prompt tuning (PT) over FT, training tasks'))!;
    expect(ptOverFt.at(-1)).toMatch(/^\d+\.\d{3}$|^–?$/);
  });

  it('§V-A: Random_all in the tab, a random subspace of every weight, beside IST in the found and in a random subspace', async () => {
    await app.loadHubModel('tiny/bart');
    await smallStudy();
    await page.getByLabel('A figure or table of the paper over this study').selectOption('random-all');
    expect(await page.textContent('[data-testid="analysis-help"]')).toMatch(/It runs 1 study over the settings above, and tunes Random_all, a random subspace of every weight, on each unseen task/);
    await page.getByRole('button', { name: 'Start the analysis (1 study)' }).click();
    await page.waitForSelector('[data-testid="phase-random_all"]', { timeout: 120_000 });
    await expect.poll(analysisStatus, { timeout: 600_000, interval: 1000 }).toBe('done');
    expect(await page.getAttribute('[data-testid="phase-random_all"]', 'data-percent')).toBe('100');
    await page.getByRole('link', { name: 'Open Results' }).click();
    await page.waitForSelector('[data-testid="analysis-results"][data-analysis="random-all"]');
    const [bars] = await plotData(page, 'analysis-chart');
    expect(bars!.x).toEqual(['IST in the found subspace, d_I 2', 'IST through a random Proj_b, d_I 2', 'Random_all, every weight, d 100']);
    const cells = await page.$$eval('[data-testid="analysis-chart"] table tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td,th')].map((c) => c.textContent?.trim() ?? '')));
    const ra = cells.find((r) => r[0] === 'Random_all, every weight, d 100')!;
    // Numbers tuned, then its E_rel and mean test score: numbers (or a dash where PT scored 0).
    expect(ra[1]).toBe('100');
    expect(ra.slice(2)).toEqual([expect.stringMatching(/^\d+(\.\d+)?$|^–?$/), expect.stringMatching(/^\d+(\.\d+)?$/)]);
    await page.screenshot({ path: join(RESULTS, 'ui-analysis-random-all.png'), fullPage: true });
  });
});
