// A study on two engine workers, and what a reload leaves, in Chromium on the built app: a tiny
// random BART (Hub layout) and a tiny study (2 training tasks + 1 unseen, d_I 2, a few steps).
// 1. On one worker, then (forgotten, so computed again) on two: both workers train units (each
//    counts what it trained), pause stops both and Resume goes on with both, every unit is counted
//    once, the second worker loaded the model from the weight cache (the weights were fetched once),
//    and the stored unit results equal the one-worker run's.
// 2. A reload in the middle of a run: the study reads "interrupted — paused", Resume with no model
//    loaded loads the study's model from the cache by itself and finishes; after another reload the
//    Results screen opens that study.
// 3. The second worker killed mid-study (as a crash would) is started again and the study finishes.
// Run after `npx vite build` (APP_DIST=<folder> for another build).
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../src/bridge/engineClient';
import { RESULTS, type AppUnderTest } from './support/app';
import { launchWithTinyHub } from './support/hubModel';


type Lab = { intrinsicLab: { engine: EngineClient; studyWorkers: (EngineClient | undefined)[] } };

describe('studies on several engine workers, and reloads (built app in Chromium)', () => {
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    app = await launchWithTinyHub('ui-workers');
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
  });

  const status = () => page.getAttribute('[data-testid="run-status"]', 'data-status');
  const weightFetches = () => [...app.server.hits].filter(([path]) => path.endsWith('model.safetensors')).reduce((n, [, c]) => n + c, 0);
  /** Units done, from the status line while it runs. */
  const running = async () => Number(/Running: (\d+) of/.exec((await page.textContent('[data-testid="run-status"]')) ?? '')?.[1] ?? -1);

  async function fillStudy(name: string, seed: string): Promise<void> {
    await page.getByLabel('Name').fill(name);
    await page.getByLabel(/Quick demo/).check();
    await page.getByLabel(/Quick study of the “random” split/).uncheck();
    await page.getByLabel('d_I values').fill('2');
    await page.getByLabel('Run seeds').fill(seed);
    await page.getByLabel('Training tasks (at most)').fill('2');
    await page.getByLabel('Unseen tasks (at most)').fill('1');
    await page.getByLabel('PT steps').fill('4');
    await page.getByLabel('MSF steps').fill('4');
    await page.getByLabel('IST steps').fill('4');
  }

  /** Every stored unit result of the browser (key -> meta and tensor values), read from IndexedDB. */
  const storedUnits = () => page.evaluate(() => new Promise<Record<string, unknown>>((resolve, reject) => {
    const open = indexedDB.open('intrinsic-lab-runs');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction(['headers', 'tensors'], 'readonly');
      const range = IDBKeyRange.bound('result/', 'result/\uffff');
      const headers = tx.objectStore('headers').getAll(range);
      const tensors = tx.objectStore('tensors').getAll(range);
      tx.oncomplete = () => {
        const out: Record<string, unknown> = {};
        for (const h of headers.result as { key: string; meta: unknown }[]) out[h.key] = { meta: h.meta };
        for (const t of tensors.result as { key: string; tensors: Record<string, { shape: number[]; data: Float32Array }> }[]) {
          (out[t.key] as { tensors?: unknown }).tensors = Object.fromEntries(Object.entries(t.tensors).map(([n, v]) => [n, { shape: v.shape, data: Array.from(v.data) }]));
        }
        open.result.close();
        resolve(out);
      };
      tx.onerror = () => reject(tx.error);
    };
  }));

  it('two workers share a study: both train, pause and resume reach both, and the units equal a one-worker run', async () => {
    await app.loadHubModel('tiny/bart');
    expect(weightFetches()).toBe(1);
    await page.getByRole('link', { name: 'Run', exact: true }).click();
    await page.waitForSelector('[data-testid="run-model"]');
    // On this machine's cores the rule gives the small model one worker per pair of wasm threads.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    if (cores === 2) expect(await page.getAttribute('[data-testid="study-worker-count"]', 'data-count')).toBe('2');

    // One worker first.
    await page.getByTestId('study-workers-choice').selectOption('1');
    expect(await page.getAttribute('[data-testid="study-worker-count"]', 'data-count')).toBe('1');
    await fillStudy('shared', '1');
    await page.getByRole('button', { name: 'Start study' }).click();
    await expect.poll(status, { timeout: 600_000, interval: 1000 }).toBe('done');
    const one = await storedUnits();
    expect(Object.keys(one).length).toBeGreaterThan(4);
    // Forget it: every unit is computed again below.
    await page.evaluate(async () => {
      const { engine } = (globalThis as unknown as Lab).intrinsicLab;
      for (const s of await engine.listStudies()) await engine.deleteStudy({ id: s.id });
    });
    expect(await storedUnits()).toEqual({});

    // Two workers: both train units; pause stops both.
    await page.getByTestId('study-workers-choice').selectOption('2');
    await page.getByRole('button', { name: 'Start study' }).click();
    const trained = () => page.$$eval('[data-testid="study-worker"]', (els) => els.map((e) => Number(e.getAttribute('data-computed'))));
    // Both workers listed, each with a unit trained (an empty list would pass a bare minimum: Infinity).
    await expect.poll(async () => { const t = await trained(); return t.length === 2 ? Math.min(...t) : 0; }, { timeout: 300_000, interval: 500 }).toBeGreaterThanOrEqual(1);
    expect(await trained()).toHaveLength(2);
    const unitsTotal = Number(/ of (\d+) units/.exec((await page.textContent('[data-testid="run-status"]')) ?? '')![1]);
    await page.screenshot({ path: join(RESULTS, 'ui-run-workers-running.png'), fullPage: true });
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(status, { timeout: 120_000 }).toBe('paused');
    const states = () => page.$$eval('[data-testid="study-worker"]', (els) => els.map((e) => e.getAttribute('data-state')));
    expect(await states()).toEqual(['paused', 'paused']);
    const before = await storedUnits();
    const doneBefore = Object.keys(before).length;
    expect(doneBefore).toBeLessThan(unitsTotal);

    // Resume goes on with both; every unit is counted once: trained by one of them, or finished before.
    await page.locator('[data-testid="unfinished-study"]').first().getByRole('button', { name: 'Resume' }).click();
    await expect.poll(async () => (await states()).join(), { timeout: 120_000 }).toBe('running,running');
    await expect.poll(status, { timeout: 600_000, interval: 1000 }).toBe('done');
    expect(await states()).toEqual(['done', 'done']);
    const afterResume = await trained();
    const reused = Number(await page.getAttribute('[data-testid="run-status"]', 'data-reused'));
    expect(reused).toBe(doneBefore);
    expect(afterResume.reduce((a, b) => a + b, 0) + reused).toBe(unitsTotal);
    expect(await page.getAttribute('[data-testid="study-progress"]', 'data-percent')).toBe('100');
    for (const phase of ['pt', 'msf', 'ist', 'random']) expect(await page.getAttribute(`[data-testid="phase-${phase}"]`, 'data-percent')).toBe('100');
    // The second worker loaded the model from the weight cache, not from the server.
    expect(weightFetches()).toBe(1);

    // The same units as on one worker, to the bit.
    const two = await storedUnits();
    expect(Object.keys(two).sort()).toEqual(Object.keys(one).sort());
    for (const key of Object.keys(one)) expect(two[key], key).toEqual(one[key]);
    expect(app.pageErrors).toEqual([]);
  });

  it('after a reload mid-run the study reads paused, Resume loads its model from the cache and finishes, and Results opens it', async () => {
    await app.open('run');
    // Alone (vitest -t), this test loads the model itself.
    if ((await page.textContent('[data-testid="run-model"]')) !== 'hub:tiny/bart') {
      await app.loadHubModel('tiny/bart');
      await app.open('run');
    }
    await fillStudy('reloaded', '2');
    await page.getByRole('button', { name: 'Start study' }).click();
    // A unit has finished (its result is stored): reload in the middle of the run.
    const stored = Object.keys(await storedUnits()).length;
    await expect.poll(running, { timeout: 300_000, interval: 500 }).toBeGreaterThanOrEqual(1);
    // A unit of this study is stored (the first study's stay; no unit is shared between the two).
    await expect.poll(async () => Object.keys(await storedUnits()).length, { timeout: 300_000, interval: 500 }).toBeGreaterThan(stored);
    await page.reload();
    await page.locator('#screen-title').waitFor();
    const entry = page.locator('[data-testid="unfinished-study"]').filter({ hasText: 'reloaded' });
    await entry.waitFor({ timeout: 60_000 });
    expect(await entry.textContent()).toContain('“reloaded” — interrupted — paused,');
    expect(await page.textContent('[data-testid="run-model"]')).toBe('none loaded');
    await page.screenshot({ path: join(RESULTS, 'ui-run-workers-reloaded.png'), fullPage: true });

    await entry.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.textContent('[data-testid="run-model"]'), { timeout: 120_000 }).toBe('hub:tiny/bart');
    await expect.poll(status, { timeout: 600_000, interval: 1000 }).toBe('done');
    expect(Number(await page.getAttribute('[data-testid="run-status"]', 'data-reused'))).toBeGreaterThanOrEqual(1);
    expect(weightFetches()).toBe(1);

    // Results after a reload: the last finished study, without choosing it.
    await page.reload();
    await app.open('results');
    await expect.poll(() => page.textContent('[data-testid="results-status"]'), { timeout: 60_000 }).toContain('study “reloaded” (finished in this browser)');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="erel-chart"]')?.getAttribute('data-drawn')) > 0, null, { timeout: 60_000 });
    expect(app.pageErrors).toEqual([]);
  });

  it('a second worker that dies is started again, goes on from what is stored, and the study finishes', async () => {
    await app.open('run');
    if ((await page.textContent('[data-testid="run-model"]')) !== 'hub:tiny/bart') {
      await app.loadHubModel('tiny/bart');
      await app.open('run');
    }
    await page.getByTestId('study-workers-choice').selectOption('2');
    await fillStudy('crashed helper', '3');
    await page.getByRole('button', { name: 'Start study' }).click();
    const trained = () => page.$$eval('[data-testid="study-worker"]', (els) => els.map((e) => Number(e.getAttribute('data-computed'))));
    await expect.poll(async () => (await trained())[1] ?? 0, { timeout: 300_000, interval: 500 }).toBeGreaterThanOrEqual(1);
    const stored = Object.keys(await storedUnits()).length;
    await page.evaluate(() => (globalThis as unknown as Lab).intrinsicLab.studyWorkers[1]!.kill('killed by the test'));
    await expect.poll(() => page.textContent('[data-testid="study-worker"][data-index="1"]'), { timeout: 60_000 }).toContain('restarted after: the engine worker was stopped (killed by the test)');
    await expect.poll(status, { timeout: 600_000, interval: 1000 }).toBe('done');
    expect(await page.getAttribute('[data-testid="study-worker"][data-index="1"]', 'data-state')).toBe('done');
    expect(Object.keys(await storedUnits()).length).toBeGreaterThan(stored);
    // The fresh worker loaded the model from the weight cache.
    expect(weightFetches()).toBe(1);
    expect(app.pageErrors).toEqual([]);
  });
});
