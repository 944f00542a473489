// The Run screen in Chromium on the built app, end to end: a tiny random BART (test tokenizer) is
// served in the Hub layout and loaded through the Model screen; a tiny study (smoke preset, a few
// steps, 2 training tasks + 1 unseen task of the built-in world, d_I 2) starts from the form,
// shows per-unit progress and live curves, is paused and resumed, the page is reloaded mid-run, the
// unfinished study is offered and resumed with the finished units reused, and it ends with results on the Results
// screen. Meanwhile a PerformanceObserver records the main thread's long tasks: training runs in the
// worker, so none may exceed 200 ms. A second, smaller study runs on WebGPU (SwiftShader here). Run after `npx vite build` (APP_DIST=<folder> for another build).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, RESULTS, type AppUnderTest } from './support/app';
import { TINY_BART_CONFIG as CONFIG, writeHubModel } from './support/hubModel';
import { builtinSplits } from '../../src/shared/tasks/world/index';

/** Long tasks (> 50 ms) on the page's main thread since load: [startTime, duration]. */
const OBSERVE_LONG_TASKS = () => {
  const w = window as unknown as { longTasks: [number, number][] };
  w.longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.longTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
};

describe('Run screen (built app in Chromium)', () => {
  let work: string;
  let app: AppUnderTest;
  let page: Page;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'intrinsic-lab-ui-run-'));
    writeHubModel(join(work, 'hub'), 'tiny/bart', CONFIG, 3);
    app = await launchApp({ mounts: { '/hub': join(work, 'hub') }, initScript: OBSERVE_LONG_TASKS });
    page = app.page;
  });

  afterAll(async () => {
    console.info('[ui-run] timings (ms, headless Chromium, 2-core box):', JSON.stringify(timings));
    await app?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function loadModel(): Promise<void> {
    await app.loadHubModel('tiny/bart');
    await page.getByRole('link', { name: 'Run', exact: true }).click();
    await page.waitForSelector('[data-testid="run-model"]');
    expect(await page.textContent('[data-testid="run-model"]')).toBe('hub:tiny/bart');
  }

  const status = () => page.getAttribute('[data-testid="run-status"]', 'data-status');

  it('runs a tiny study: progress per unit, live curves, pause, reload, resume, results', async () => {
    await loadModel();
    await page.getByLabel(/Quick demo/).check();
    // The built-in random split offers its quick study (20 tasks) by default; this test runs a smaller one.
    const quick = page.getByLabel(/Quick study of the “random” split/);
    expect(await quick.isChecked()).toBe(true);
    expect(await page.textContent('#quick-help')).toMatch(/Trains on 14 tasks and tests 6 unseen ones\s+\(sentiment-double-goodbad, /);
    expect(await page.getByLabel('Training tasks (at most)').isDisabled()).toBe(true);
    expect(await page.getByLabel('d_I values').isDisabled()).toBe(true);
    expect(await page.textContent('#quick-help')).toMatch(/at d_I 10,/);
    await quick.uncheck();
    await page.getByLabel('d_I values').fill('2');
    await page.getByLabel('Run seeds').fill('1');
    await page.getByLabel('Training tasks (at most)').fill('2');
    await page.getByLabel('Unseen tasks (at most)').fill('1');
    await page.getByLabel('PT steps').fill('10');
    await page.getByLabel('MSF steps').fill('10');
    await page.getByLabel('IST steps').fill('8');
    const t0 = Date.now();
    const runStart = await page.evaluate(() => performance.now());
    await page.getByRole('button', { name: 'Start study' }).click();

    // Progress per unit and the whole study; the loss curve fills in.
    await page.waitForSelector('[data-testid="unit-progress"]', { timeout: 120_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="loss-chart"]')?.getAttribute('data-points')) > 0, null, { timeout: 120_000 });
    expect(await page.textContent('[data-testid="run-backend"]')).toBe('wasm');
    // Let a couple of units finish, then pause.
    await page.waitForFunction(() => /Running: [2-9]\d* of/.test(document.querySelector('[data-testid="run-status"]')?.textContent ?? ''), null, { timeout: 240_000 });
    const before = await page.textContent('[data-testid="run-status"]');
    const doneBefore = Number(/Running: (\d+) of/.exec(before ?? '')![1]);
    const unitsTotal = Number(/ of (\d+) units/.exec(before ?? '')![1]);
    // One bar per phase; their totals add up to the study's unit count (PT, MSF, IST, random).
    const phaseMax = await page.$$eval('[data-testid^="phase-"] progress', (els) => els.map((e) => Number(e.getAttribute('max'))));
    expect(phaseMax).toHaveLength(4);
    expect(phaseMax.reduce((a, b) => a + b, 0)).toBe(unitsTotal);
    // Read the long tasks before the screenshot (capturing a full page is itself a long task).
    const longTasks = await page.evaluate((since) => (window as unknown as { longTasks: [number, number][] }).longTasks.filter(([t]) => t >= since), runStart);
    await page.screenshot({ path: join(RESULTS, 'ui-run-running.png'), fullPage: true });
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(status, { timeout: 120_000 }).toBe('paused');
    timings.untilPause = Date.now() - t0;
    timings.longestMainThreadTask = Math.max(0, ...longTasks.map(([, d]) => d));
    expect(longTasks.filter(([, d]) => d > 200)).toEqual([]);
    // The observer bites: a 120 ms busy loop in a task of the page's event loop is recorded.
    const busyAt = await page.evaluate(() => new Promise<number>((done) => setTimeout(() => {
      const t = performance.now();
      while (performance.now() - t < 120);
      done(t);
    }, 0)));
    await expect.poll(() => page.evaluate((since) => (window as unknown as { longTasks: [number, number][] }).longTasks.some(([t, d]) => t >= since - 5 && d >= 100), busyAt)).toBe(true);

    // Resume on the same page, let one more unit finish, then reload in the middle of the run (no
    // pause): the worker and the model are gone, the study and its checkpoints are not.
    await page.locator('[data-testid="unfinished-study"]').first().getByRole('button', { name: 'Resume' }).click();
    await page.waitForFunction((n) => {
      const m = /Running: (\d+) of/.exec(document.querySelector('[data-testid="run-status"]')?.textContent ?? '');
      return m !== null && Number(m[1]) > n;
    }, doneBefore, { timeout: 240_000 });
    expect(await status()).toBe('running');
    const doneAtReload = Number(/Running: (\d+) of/.exec((await page.textContent('[data-testid="run-status"]')) ?? '')![1]);
    await page.reload();
    await loadModel();
    const entry = page.locator('[data-testid="unfinished-study"]').first();
    await entry.waitFor({ timeout: 30_000 });
    const listed = await entry.textContent();
    // The registry still says running (the page died before it could say anything else); no
    // worker runs it, so it reads as what it is.
    expect(listed).toContain('interrupted — paused');
    // Its unit count is a display (written when the worker gets to it); what counts is below:
    // every unit finished before the reload is reused, not computed again.
    expect(Number(/(\d+) of \d+ units/.exec(listed ?? '')![1])).toBeGreaterThanOrEqual(doneBefore);
    const t1 = Date.now();
    await entry.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(status, { timeout: 600_000, interval: 1000 }).toBe('done');
    timings.resumeToDone = Date.now() - t1;
    expect(Number(await page.getAttribute('[data-testid="run-status"]', 'data-reused'))).toBeGreaterThanOrEqual(doneAtReload);
    for (const phase of ['pt', 'msf', 'ist', 'random']) expect(await page.getAttribute(`[data-testid="phase-${phase}"]`, 'data-percent')).toBe('100');
    await page.screenshot({ path: join(RESULTS, 'ui-run-done.png'), fullPage: true });

    // The finished study's results are on the Results screen.
    await page.getByRole('link', { name: 'Results', exact: true }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="erel-chart"]')?.getAttribute('data-drawn')) > 0, null, { timeout: 60_000 });
    expect(await page.textContent('[data-testid="results-status"]')).toContain('finished in this browser');
    const rows = Number(await page.getAttribute('[data-testid="task-scores"]', 'data-rows'));
    expect(rows).toBe(3);
    expect(app.pageErrors).toEqual([]);
  });

  it('runs a smaller study on WebGPU through the worker protocol (software adapter here: correctness, not speed)', async () => {
    await app.open('run');
    await page.getByLabel('Backend', { exact: true }).selectOption('webgpu');
    await page.waitForSelector('[data-testid="backend"][data-status="ready"][data-backend="webgpu"]', { timeout: 120_000 });
    await loadModel();
    expect(await page.textContent('[data-testid="run-backend"]')).toBe('webgpu');
    // SwiftShader WebGPU is ~50x slower than wasm here, so this study is the smallest that still
    // runs every phase (PT on both data seeds, MSF, IST), with big evaluation batches; it goes
    // through the same startStudy request the Run screen sends.
    const t0 = Date.now();
    const out = await page.evaluate(async () => {
      const { engine } = (globalThis as unknown as { intrinsicLab: { engine: import('../../src/bridge/engineClient').EngineClient } }).intrinsicLab;
      const phase = { totalSteps: 2, evalBatchSize: 64, maxNewTokens: 4 };
      const phases: string[] = [];
      const r = await engine.call('startStudy', {
        spec: {
          name: 'webgpu', model: 'hub:tiny/bart', tasks: { train: ['sentiment-double-goodbad'], test: [] }, dataSeed: 100, diffSeed: 13,
          intrinsicDims: [2], seeds: [1], preset: 'smoke', phases: { pt: phase, msf: phase, ist: phase }, randomSubspace: false,
        },
      }, { onProgress: (p) => { if (phases.at(-1) !== p.phase) phases.push(p.phase); } });
      return { status: r.status, backend: r.results?.backend, erel: r.results?.e_rel_pt, phases };
    });
    timings.webgpuStudy = Date.now() - t0;
    expect(out.status).toBe('done');
    expect(out.backend).toBe('webgpu');
    expect(out.phases).toEqual(['pt', 'msf', 'ist']);
    expect(Object.keys(out.erel ?? {})).toEqual(['2']);
    await page.evaluate(() => localStorage.removeItem('intrinsic-lab.backend'));
    expect(app.pageErrors).toEqual([]);
  });

  it('a named cls split runs its out-of-domain unseen tasks too, and says so', async () => {
    const fresh = await app.newPage();
    try {
      await app.open('tasks', fresh);
      await fresh.getByLabel('Task split').selectOption('cls');
      await app.open('run', fresh);
      await fresh.getByLabel(/Quick study of the “cls” split/).uncheck();
      await fresh.getByLabel('Training tasks (at most)').fill('2');
      await fresh.getByLabel('Unseen tasks (at most)').fill('1');
      const line = fresh.locator('[data-testid="study-tasks"]');
      await expect.poll(() => line.getAttribute('data-out')).toBe('1');
      expect([await line.getAttribute('data-train'), await line.getAttribute('data-test')]).toEqual(['2', '2']);
      const cls = builtinSplits().cls;
      expect((await line.textContent())!.replace(/\s+/g, ' ')).toContain(`1 out of domain (${cls.testOutOfDomain![0]})`);
      await app.open('tasks', fresh);
      await fresh.getByLabel('Task split').selectOption('random');
    } finally {
      await fresh.close();
    }
    expect(app.pageErrors).toEqual([]);
  });

  it('with no model loaded, loads the built-in model in one click', async () => {
    // A new page has its own engine worker, so no model is loaded there yet.
    const fresh = await app.newPage();
    try {
      await app.open('run', fresh);
      const button = fresh.getByRole('button', { name: 'Load the built-in model' });
      await button.waitFor();
      expect(await fresh.textContent('[data-testid="run-model"]')).toBe('none loaded');
      await button.click();
      await expect.poll(() => fresh.textContent('[data-testid="run-model"]'), { timeout: 60_000 }).toContain('intrinsic-bart-tiny');
      expect(await fresh.getByRole('button', { name: 'Start study' }).isEnabled()).toBe(true);
    } finally {
      await fresh.close();
    }
  }, 90_000);
});
