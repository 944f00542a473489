// The Start page in Chromium on the built app (issue #11, "a lesson in a tab"): a fresh profile
// opening the root URL lands on it; its one button loads the embedded model (served from dist/, no
// Hub), times a few PT steps for the estimate, runs the lesson study (d_I 2, 5, 10, the random
// baseline) with narration and a live curve that fills in as units finish (and ends as the
// result's), and links to Results, whose curve has a point per d_I, with human
// labels and a "How to read this" per chart; the About tutorial then gives the loaded model's sizes.
// SHORTENED: the full lesson takes many minutes on 2 cores, so this test sets the app's test-only
// lesson override (LESSON_TEST_OVERRIDE_KEY, src/ui/stores/lesson.svelte.ts) before the app starts:
// 3 of the 14 training tasks, 2 of the 6 unseen ones, 10 steps per PT, MSF and IST run. The d_I
// values, the button, the model load, the timing and the study code path are the lesson's own.
// Run after `npx vite build`.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, RESULTS, type AppUnderTest } from './support/app';
import { plotData } from './support/plot';
import { lessonSpec } from '../../src/shared/study/quick';

const LESSON = lessonSpec();
const SHORT = {
  phases: {
    pt: { totalSteps: 10, evalEvery: 10, warmupSteps: 0 },
    msf: { totalSteps: 10, evalEvery: 10, warmupSteps: 0 },
    ist: { totalSteps: 10, evalEvery: 10, warmupSteps: 0 },
  },
  tasks: { train: LESSON.tasks.train.slice(0, 3), test: LESSON.tasks.test.slice(0, 2) },
};

describe('Start page (built app in Chromium)', () => {
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    app = await launchApp({
      initScript: new Function(`localStorage.setItem('intrinsic-lab.test.lesson', ${JSON.stringify(JSON.stringify(SHORT))});`) as () => void,
    });
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('a fresh profile opening the root URL lands on the Start page; every screen keeps its own link', async () => {
    await app.open('');
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Start');
    const picture = page.getByRole('img', { name: 'A big prompt squeezed into a few numbers and rebuilt' });
    expect(await picture.count()).toBe(1);
    expect(await page.locator('#start-pic-desc').textContent()).toMatch(/Proj squeezes it into d_I numbers/);
    expect(await page.getByRole('button', { name: 'Start the live demo' }).isEnabled()).toBe(true);
    // Near the top, a link takes the keyboard to the live demo (the hash route stays Start).
    const hash = await page.evaluate(() => location.hash);
    await page.getByTestId('jump-to-demo').click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('live-demo');
    expect(await page.evaluate(() => location.hash)).toBe(hash);
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Start');
    const nav = page.getByRole('navigation', { name: 'Screens' });
    expect(await nav.getByRole('link', { name: 'Start' }).getAttribute('aria-current')).toBe('page');
    for (const [id, title] of [['model', 'Model'], ['tasks', 'Tasks'], ['run', 'Run'], ['results', 'Results'], ['explore', 'Explore'], ['library', 'Library'], ['start', 'Start']]) {
      expect(await nav.getByRole('link', { name: title, exact: true }).getAttribute('href')).toBe(`#/${id}`);
    }
    await app.open('model');
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Model');
    await app.open('start');
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Start');
  });

  it('runs the live demo from its one button: embedded model, estimate, narration, then the curve on Results', async () => {
    await app.open('');
    expect(await page.textContent('[data-testid="lesson-steps"]')).toContain('d_I = 2, 5, 10');
    // Every count the live curve shows, as it changes (read after the run: points appear as units finish).
    await page.evaluate(() => {
      const seen: number[] = [];
      (globalThis as unknown as { liveCounts: number[] }).liveCounts = seen;
      new MutationObserver(() => {
        const v = document.querySelector('[data-testid="live-curve"]')?.getAttribute('data-counted');
        if (v !== null && v !== undefined && Number(v) !== seen.at(-1)) seen.push(Number(v));
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-counted'] });
      // Every detail line the progress bar shows.
      const details: string[] = [];
      (globalThis as unknown as { progressDetails: string[] }).progressDetails = details;
      new MutationObserver(() => {
        const t = document.querySelector('[data-testid="lesson-progress"]')?.textContent ?? '';
        if (t && t !== details.at(-1)) details.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
      // The live map's state at each change: its d_I, the vectors on it, and whether the lesson still ran.
      const map: { dim: string; counted: number; stage: string }[] = [];
      (globalThis as unknown as { liveMap: typeof map }).liveMap = map;
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="live-map"]');
        if (!el) return;
        const now = { dim: el.getAttribute('data-dim') ?? '', counted: Number(el.getAttribute('data-counted')), stage: document.querySelector('[data-testid="lesson-status"]')?.getAttribute('data-stage') ?? '' };
        const last = map.at(-1);
        if (!last || last.dim !== now.dim || last.counted !== now.counted || last.stage !== now.stage) map.push(now);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-counted', 'data-dim', 'data-stage'] });
    });
    await page.getByRole('button', { name: 'Start the live demo' }).click();
    // The estimate: measured steps times the plan, said as minutes and marked as an estimate.
    await page.waitForSelector('[data-testid="lesson-estimate"]:not([data-seconds=""])', { timeout: 120_000 });
    expect((await page.textContent('[data-testid="lesson-estimate"]'))?.replace(/\s+/g, ' ')).toMatch(/How long: about \d+ minutes? on this machine\.\s+An estimate: .+ evaluations scoring [\d,]+ examples at [\d.]+ ms each, measured here on wasm from 5 timed steps/);
    // Narration of prompt tuning, with this model's prompt size (8 x 128) and the paper's.
    await page.waitForSelector('[data-testid="narration-now"]', { timeout: 120_000 });
    await expect.poll(() => page.textContent('[data-testid="narration-now"]'), { timeout: 120_000 }).toMatch(/^Now: Prompt tuning [a-z-]+: 1,024 numbers\.$/);
    expect(await page.textContent('[data-testid="narration-headline"]')).toContain('8 × 128 = 1,024 numbers');
    expect(await page.getAttribute('[data-testid="narration-headline"]', 'aria-live')).toBe('polite');
    expect(await page.textContent('[data-testid="narration-paper"]')).toContain('100 × 768 = 76,800');
    await page.screenshot({ path: join(RESULTS, 'ui-start.png'), fullPage: true });
    // The model came from this site, not the Hub, and is the embedded one.
    expect(app.server.hits.get('/models/intrinsic-bart-tiny/model.safetensors') ?? 0).toBeGreaterThan(0);
    expect([...app.server.hits.keys()].filter((p) => p.startsWith('/hub') || p.includes('huggingface'))).toEqual([]);

    // Later phases narrate too; then the study ends (wait on state).
    await page.waitForSelector('[data-testid="narration"][data-phase="msf"]', { timeout: 300_000 });
    expect(await page.textContent('[data-testid="narration-now"]')).toMatch(/Subspace finding: 3 prompts squeezed into \d+ numbers each/);
    await page.waitForSelector('[data-testid="lesson-status"][data-stage="finished"]', { timeout: 540_000 });
    // The live curve filled in as units finished: it showed counts between none and all of the
    // 2 unseen tasks x 3 d_I x (subspace, random) runs, in order.
    const total = SHORT.tasks.test.length * 3 * 2;
    await expect.poll(() => page.getAttribute('[data-testid="live-curve"]', 'data-counted')).toBe(String(total));
    const counts = await page.evaluate(() => (globalThis as unknown as { liveCounts: number[] }).liveCounts);
    expect(counts.filter((c) => c > 0 && c < total).length).toBeGreaterThan(0);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    await page.waitForSelector('[data-testid="live-chart"][data-drawn]:not([data-drawn="0"])', { timeout: 60_000 });
    const live = await plotData<{ x: number[]; y: number[] }>(page, 'live-chart');
    // The map filled in too: vectors were on it while the lesson ran, and it ends on the largest
    // d_I with both new tasks.
    // Before the runner has a pace (no run finished yet), the bar counts the page's estimate down.
    const details = await page.evaluate(() => (globalThis as unknown as { progressDetails: string[] }).progressDetails);
    expect(details.some((d) => /0 of \d+ training runs · about \d+ minutes? left \(estimated/.test(d))).toBe(true);
    const mapStates = await page.evaluate(() => (globalThis as unknown as { liveMap: { dim: string; counted: number; stage: string }[] }).liveMap);
    expect(mapStates.some((m) => m.counted >= 1 && m.stage === 'running')).toBe(true);
    expect(await page.getAttribute('[data-testid="live-map"]', 'data-dim')).toBe('10');
    expect(await page.getAttribute('[data-testid="live-map"]', 'data-counted')).toBe(String(SHORT.tasks.test.length));
    const mapPoints = (await plotData(page, 'live-map-chart')).flatMap((t) => (t.text ?? []).map((label, i) => ({ label, x: t.x![i], y: t.y![i] })));
    expect(mapPoints.map((p) => p.label).sort()).toEqual([...SHORT.tasks.test].sort());
    expect(await page.textContent('[data-testid="live-map-chart-how"]')).toMatch(/^How to read this: .{80,}/);
    await page.screenshot({ path: join(RESULTS, 'ui-start-finished.png'), fullPage: true });
    // Another d_I is a click away.
    await page.locator('[data-testid="live-map"]').getByRole('radio', { name: '2', exact: true }).check();
    expect(await page.getAttribute('[data-testid="live-map"]', 'data-dim')).toBe('2');
    await page.locator('[data-testid="live-map"]').getByRole('radio', { name: '10', exact: true }).check();
    await page.getByRole('link', { name: 'See the curve on the Results screen' }).click();
    await page.waitForSelector('[data-testid="erel-chart"][data-drawn]:not([data-drawn="0"])', { timeout: 60_000 });
    const traces = await plotData(page, 'erel-chart');
    const ist = traces.find((t) => t.name === 'new tasks (IST) · T_test(IST)');
    // The lesson runs IST on the new tasks only: no line, legend entry or paper star for the training-task challenges.
    expect(traces.map((t) => t.name).filter((n) => /training tasks.*IST/.test(n ?? ''))).toEqual([]);
    expect(ist?.x).toEqual([2, 5, 10]);
    // At the end the live curve is the result's (one seed: the same pairs, the same means).
    const final = (ist as unknown as { y: number[] }).y;
    expect(live[0]!.x).toEqual([2, 5, 10]);
    live[0]!.y.forEach((v, i) => expect(v).toBeCloseTo(final[i]!, 9));
    const randomFinal = (traces.find((t) => t.name?.startsWith('new tasks, random subspace (baseline)')) as unknown as { y: number[] }).y;
    live[1]!.y.forEach((v, i) => expect(v).toBeCloseTo(randomFinal[i]!, 9));
    expect(traces.find((t) => t.name?.startsWith('new tasks, random subspace (baseline)'))?.x).toEqual([2, 5, 10]);
    // One row per d_I of the lesson, and one for the paper's reference values at d_I = 250.
    expect(await page.getAttribute('[data-testid="erel-chart-table"]', 'data-rows')).toBe('4');
    // And the live map at its end is the Results map of d_I 10: the same points where they were.
    const finalMap = (await plotData(page, 'pca-chart')).flatMap((t) => (t.text ?? []).map((label, i) => ({ label, x: t.x![i], y: t.y![i] })));
    expect([...finalMap].sort((a, b) => a.label.localeCompare(b.label))).toEqual([...mapPoints].sort((a, b) => a.label.localeCompare(b.label)));
  }, 600_000);

  it('Results speaks in human labels and says how to read each chart', async () => {
    // Charts and tables: the names, not the raw keys.
    const tables = ['erel-chart-table', 'erel-table', 'task-scores'];
    for (const id of tables) {
      const text = (await page.textContent(`[data-testid="${id}"]`)) ?? '';
      expect(text, id).toContain('new tasks (IST)');
      expect(text, id).not.toMatch(/test_ist|train_same_ist|random_subspace/);
    }
    const names = (await plotData(page, 'erel-chart')).map((t) => t.name);
    expect(names.join('|')).not.toMatch(/_ist|_msf/);
    for (const id of ['erel-chart', 'pca-chart', 'similarity-chart']) {
      await page.waitForSelector(`[data-testid="${id}"]`);
      expect(await page.textContent(`[data-testid="${id}-how"]`), id).toMatch(/^How to read this: .{80,}/);
    }
    expect(await page.textContent('[data-testid="pca-chart-how"]')).toContain('PC 1');
    expect(await page.textContent('[data-testid="similarity-chart-how"]')).toContain('cosine similarity');
    // The PCA map names its clusters by family and category.
    const layout = await page.evaluate(() => (document.querySelector('[data-testid="pca-chart"] .plot') as unknown as { layout: { annotations?: { text: string }[] } }).layout);
    expect((layout.annotations ?? []).length).toBeGreaterThan(0);
    for (const a of layout.annotations!) expect(a.text).toMatch(/ · (cls|non-cls)\//);
    // The raw keys stay in the scores CSV, and the page says so.
    expect(await page.textContent('[data-testid="scores-csv-note"]')).toContain('test_ist = new tasks (IST)');
  });

  it('the About tutorial gives the loaded model’s real sizes next to the paper’s', async () => {
    const info = await page.evaluate(() => (globalThis as unknown as { intrinsicLab: { engine: { call(m: string, p: object): Promise<{ params: number; modelId: string }> } } }).intrinsicLab.engine.call('modelInfo', {}));
    expect(info.modelId).toBe('embedded:intrinsic-bart-tiny');
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'About' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toBe('About');
    const params = info.params.toLocaleString('en-US');
    expect(await page.textContent('[data-testid="size-params"]')).toBe(params);
    expect(await page.textContent('[data-testid="size-d"]')).toBe('128');
    expect(await page.textContent('[data-testid="size-prompt"]')).toBe('8 × 128 = 1,024');
    const tutorial = (await page.textContent('[data-testid="tutorial"]')) ?? '';
    expect(tutorial).toContain(`embedded:intrinsic-bart-tiny, has ${params} parameters and width d_model = 128`);
    expect(tutorial).toContain('100 × 768 = 76,800 on BART-base’s 140 million parameters');
    expect(app.pageErrors).toEqual([]);
  });
});
