// The study shipped with the embedded model (public/models/<embedded>/study/, made by
// `npm run -s ship:study`), in Chromium on a fresh profile: the Start page draws its Fig. 3 curve
// over the splits with the paper's value before anything runs; Results opens on it with the spread
// over seeds, the stability table and the map, each split one click away; a build without the
// files says how to make them. Every number is checked against the shipped files themselves.
// Run after `npx vite build` (APP_DIST=<folder> to test another build output).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudyResultsJson } from '../../src/protocol/messages';
import { EMBEDDED_MODEL } from '../../src/shared/embedded';
import { QUICK_SPLITS } from '../../src/shared/study/quick';
import { shippedStudyCardPath, shippedStudyPath } from '../../src/shared/study/shipped';
import { launchApp, ROOT, type AppUnderTest } from './support/app';
import { plotData } from './support/plot';
import type { RouteHandler } from './support/server';

const shipped = Object.fromEntries(QUICK_SPLITS.flatMap((s) => {
  const path = join(ROOT, 'public', shippedStudyPath(s, EMBEDDED_MODEL));
  return existsSync(path) ? [[s, JSON.parse(readFileSync(path, 'utf8')) as StudyResultsJson]] : [];
})) as Partial<Record<(typeof QUICK_SPLITS)[number], StudyResultsJson>>;
const random = shipped.random;
const dims = random ? Object.keys(random.e_rel_pt).map(Number).sort((a, b) => a - b) : [];

describe('the shipped study (built app in Chromium)', () => {
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    app = await launchApp();
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('ships all three splits, the random one with three seeds and at least four d_I', () => {
    expect(Object.keys(shipped).sort()).toEqual([...QUICK_SPLITS].sort());
    expect(random!.study.seeds).toEqual([1, 2, 3]);
    expect(dims.length).toBeGreaterThanOrEqual(4);
    for (const r of Object.values(shipped)) expect(r!.study.model).toBe(`embedded:${EMBEDDED_MODEL}`);
  });

  it('the Start page shows the curve of every split and the paper\'s value before anything runs, labelled as shipped', async () => {
    await app.open('start');
    await page.waitForSelector('[data-testid="shipped-study"][data-status="ready"]', { timeout: 60_000 });
    const label = await page.textContent('[data-testid="shipped-label"]');
    expect(label).toContain('A shipped run');
    expect(label).toContain('npm run -s ship:study');
    const card = await page.getAttribute('[data-testid="shipped-label"] a', 'href');
    expect(card).toBe(shippedStudyCardPath(EMBEDDED_MODEL));
    const cardText = await page.evaluate(async (href) => (await fetch(href!)).text(), card);
    expect(cardText).toMatch(/\*\*Cost:\*\* .*\d+ s/);

    const traces = await plotData(page, 'shipped-chart');
    // Per split: IST solid, random subspace dotted; then the paper's value.
    expect(traces).toHaveLength(2 * QUICK_SPLITS.length + 1);
    QUICK_SPLITS.forEach((s, i) => {
      const r = shipped[s]!;
      expect(traces[2 * i]!.x).toEqual(dims);
      expect(traces[2 * i]!.y).toEqual(dims.map((d) => r.e_rel_pt[String(d)]!.test_ist));
      expect(traces[2 * i + 1]!.y).toEqual(dims.map((d) => r.random_subspace[String(d)]!.test_ist));
      expect(traces[2 * i + 1]!.line?.dash).toBe('dot');
    });
    // Three seeds on the random split: its spread is drawn.
    expect(traces[0]!.error_y?.visible).toBe(true);
    expect(traces[0]!.error_y?.array).toEqual(dims.map((d) => random!.e_rel_pt_std![String(d)]!.test_ist));
    expect(traces.at(-1)!.x).toEqual([250]);
    expect(traces.at(-1)!.y).toEqual([0.83]);

    const last = dims.at(-1)!;
    const headline = await page.textContent('[data-testid="shipped-headline"]');
    expect(headline).toContain(`${Math.round(100 * (random!.e_rel_pt[String(last)]!.test_ist as number))}%`);
    expect(headline).toContain(`${Math.round(100 * (random!.random_subspace[String(last)]!.test_ist as number))}%`);
    expect(app.pageErrors).toEqual([]);
  });

  it('Results opens on the shipped random split with its stability table and map; another split is a click away', async () => {
    await app.open('results');
    await expect.poll(() => page.textContent('[data-testid="results-status"]'), { timeout: 60_000 }).toContain('the shipped study, random split');
    const erel = await plotData(page, 'erel-chart');
    const ist = erel.find((t) => t.name?.startsWith('new tasks (IST)'))!;
    expect(ist.y).toEqual(dims.map((d) => random!.e_rel_pt[String(d)]!.test_ist));

    // The shipped section is open when the shipped study is what is shown.
    expect(await page.getAttribute('[data-testid="shipped-details"]', 'open')).not.toBeNull();
    const rows = page.locator('[data-testid="shipped-stability"] tbody tr');
    await expect.poll(() => rows.count()).toBe(dims.length);
    const header = await page.textContent('[data-testid="shipped-stability"] thead');
    for (const s of [1, 2, 3]) expect(header).toContain(`seed ${s}`);
    const first = await rows.first().locator('td').allTextContents();
    const perSeed = [1, 2, 3].map((s) => random!.e_rel_pt_per_seed![String(s)]![String(dims[0])]!.test_ist!);
    // d_I, then each seed's E_rel as the table prints it (three decimals).
    expect(first.slice(0, 4)).toEqual([String(dims[0]), ...perSeed.map((v) => v.toFixed(3))]);
    const map = await plotData(page, 'shipped-pca');
    expect(map.length).toBeGreaterThan(0);

    await page.click('[data-testid="results-shipped-cls"]');
    await expect.poll(() => page.textContent('[data-testid="results-status"]')).toContain('the shipped study, cls split');
    const cls = await plotData(page, 'erel-chart');
    expect(cls.find((t) => t.name?.startsWith('new tasks (IST)'))!.y).toEqual(dims.map((d) => shipped.cls!.e_rel_pt[String(d)]!.test_ist));
    expect(app.pageErrors).toEqual([]);
  });
});

describe('a build without the shipped study', () => {
  let app: AppUnderTest;

  beforeAll(async () => {
    const missing: RouteHandler = (_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    };
    app = await launchApp({ routes: Object.fromEntries(QUICK_SPLITS.map((s) => [`/${shippedStudyPath(s, EMBEDDED_MODEL)}`, missing])) });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('says which command makes it, and Results stays empty', async () => {
    await app.open('start');
    await app.page.waitForSelector('[data-testid="shipped-study"][data-status="missing"]', { timeout: 60_000 });
    expect(await app.page.textContent('[data-testid="shipped-missing"]')).toContain('npm run -s ship:study');
    await app.open('results');
    await expect.poll(() => app.page.textContent('[data-testid="results-status"]')).toContain('No results yet');
  });
});
