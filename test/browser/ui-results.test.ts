// The Results screen in Chromium, from an imported results.json fixture: Fig. 3 (E_rel vs d_I),
// the per-task table (keyboard sort, CSV export), the PCA map and the similarity heatmap all hold
// the fixture's numbers; every chart has its data table as text alternative; PNG export works;
// a broken file gets an error naming it; Plotly is not in the first screen's JS.
// Run after `npx vite build` (APP_DIST=<folder> to test another build output).
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudyResultsJson } from '../../src/protocol/messages';
import { PAPER_EREL, paperSource } from '../../src/shared/study/paperValues';
import { DIST, launchApp, RESULTS, ROOT, type AppUnderTest } from './support/app';
import { plotData } from './support/plot';
const FIXTURE = join(ROOT, 'test/fixtures/results/small-study.results.json');
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as StudyResultsJson;
const EREL_KEYS = ['train_msf', 'test_msf', 'train_same_ist', 'train_diff_ist', 'test_ist'] as const;

describe('Results screen (built app in Chromium)', () => {
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    app = await launchApp();
    page = app.page;
    await app.open('results');
    await page.setInputFiles('[data-testid="results-file"]', FIXTURE);
    await page.waitForSelector('[data-testid="erel-chart"]');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('keeps Plotly out of the first screen: it loads as its own chunk when a chart mounts', () => {
    const html = readFileSync(join(DIST, 'index.html'), 'utf8');
    const entry = [...html.matchAll(/<script[^>]+src="\/?([^"]+\.js)"/g)].map((m) => m[1]!);
    expect(entry.length).toBeGreaterThan(0);
    for (const file of entry) {
      const code = readFileSync(join(DIST, file), 'utf8');
      // Plotly's bundle registers itself under this name; the entry may only import it dynamically.
      expect(code.includes('Plotly.register') || code.length > 3_000_000, file).toBe(false);
    }
  });

  it('draws E_rel against d_I for every challenge and the random subspace, from the file', async () => {
    expect(await page.textContent('[data-testid="results-status"]')).toContain('small-study.results.json');
    const traces = await plotData(page, 'erel-chart');
    const dims = Object.keys(fixture.e_rel_pt).map(Number).sort((a, b) => a - b);
    // The study's lines, the random subspace, then the paper's two reference series (checked below).
    expect(traces).toHaveLength(EREL_KEYS.length + 1 + 2);
    EREL_KEYS.forEach((key, i) => {
      expect(traces[i]!.x).toEqual(dims);
      expect(traces[i]!.y).toEqual(dims.map((d) => fixture.e_rel_pt[String(d)]![key]));
    });
    expect(traces[EREL_KEYS.length]!.y).toEqual(dims.map((d) => fixture.random_subspace[String(d)]!.test_ist));
    // Text alternative: the chart names its data table, which holds one row per d_I (the study's, then the paper's 250).
    const described = (await page.getAttribute('[data-testid="erel-chart"] .plot', 'aria-describedby'))?.split(' ').find((id) => id.endsWith('-data'));
    expect(described).toBeTruthy();
    expect(await page.locator(`[id="${described}"] tbody tr`).count()).toBe(dims.length + 1);
  });

  it('puts the paper’s BART-base values beside the curve: dashed series, in the chart’s data table, and a sourced table', async () => {
    const traces = await plotData(page, 'erel-chart');
    const series = (name: string) => traces.find((t) => t.name === name) as { x?: unknown[]; y?: unknown[]; line?: { dash?: string } } | undefined;
    const ist = series('paper (BART-base): new tasks (IST) · T_test(IST)');
    const seen = series('paper (BART-base): training tasks, new data (IST) · T_train(IST), unseen data');
    expect([ist?.x, ist?.y, ist?.line?.dash]).toEqual([[250], [0.83], 'dash']);
    expect([seen?.x, seen?.y, seen?.line?.dash]).toEqual([[250], [0.97], 'dash']);
    // The chart's data table (its text alternative) has the paper's columns and its d_I = 250 row.
    const data = page.locator('[data-testid="erel-chart-table"]');
    expect(await data.locator('thead th').allTextContents()).toEqual(expect.arrayContaining([
      expect.stringContaining('paper (BART-base): new tasks (IST) · T_test(IST)'),
      expect.stringContaining('paper (BART-base): training tasks, new data (IST)'),
    ]));
    const last = (await data.locator('tbody tr').last().locator('td').allTextContents()).map((x) => x.trim());
    expect(last[0]).toBe('250');
    expect(last.slice(-2).map(Number).sort()).toEqual([0.83, 0.97]);

    // "The paper reports": every transcribed value, in words, with a link to where it was read, and the caveat.
    const section = page.locator('[data-testid="paper-reference"]');
    expect(await section.getByRole('heading', { name: 'The paper reports' }).count()).toBe(1);
    const rows = section.locator('[data-testid="paper-row"]');
    expect(await rows.count()).toBe(PAPER_EREL.length);
    for (const v of PAPER_EREL) {
      const row = section.locator(`[data-testid="paper-row"][data-challenge="${v.challenge}"][data-d="${v.dI}"][data-source="${v.source}"]`);
      const cells = (await row.locator('td').allTextContents()).map((x) => x.trim());
      expect(cells[2]).toBe(String(v.dI));
      expect(cells[3]).toBe(`${Math.round(v.erel * 100)}%`);
      expect(await row.getByRole('link').getAttribute('href')).toBe(paperSource(v.source).url);
    }
    const headline = section.locator('[data-testid="paper-row"][data-d="250"][data-challenge="test_ist"]');
    expect(await headline.textContent()).toContain('new tasks (IST) · T_test(IST)');
    expect(await headline.textContent()).toContain('83%');
    expect(await headline.getByRole('link').getAttribute('href')).toBe('https://arxiv.org/abs/2110.07867v3');
    const caveat = (await page.textContent('[data-testid="paper-caveat"]')) ?? '';
    expect(caveat).toContain('BART-base');
    expect(caveat).toContain('100 tokens × 768');
    expect(caveat).toContain('embedded model');
    expect(caveat).toContain('not a target');
    expect(await page.textContent('[data-testid="paper-missing"]')).toContain('Table III');
    expect(app.pageErrors).toEqual([]);
  });

  it('shows per-task scores at the chosen d_I, sortable from the keyboard, exportable as CSV', async () => {
    const dI = Math.max(...Object.keys(fixture.e_rel_pt).map(Number));
    const table = page.locator('[data-testid="task-scores"]');
    const tasks = [...fixture.study.tasks.train, ...fixture.study.tasks.test];
    expect(Number(await table.getAttribute('data-rows'))).toBe(tasks.length);
    const sortButton = table.getByRole('button', { name: 'Sort by prompt tuning (PT)' });
    const header = sortButton.locator('xpath=..');
    await sortButton.focus();
    await page.keyboard.press('Enter'); // numeric columns sort descending first
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    const firstTask = await table.locator('tbody tr').first().locator('td').first().textContent();
    const best = tasks.reduce((a, b) => ((fixture.pt[a] ?? 0) >= (fixture.pt[b] ?? 0) ? a : b));
    expect(firstTask).toBe(best);
    await page.keyboard.press('Enter');
    expect(await header.getAttribute('aria-sort')).toBe('ascending');

    const [download] = await Promise.all([page.waitForEvent('download'), table.getByRole('button', { name: 'CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`fixture_study-tasks-d${dI}.csv`);
    const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(csv[0]).toContain('task');
    expect(csv).toHaveLength(tasks.length + 1);
    const row = csv.find((l) => l.startsWith('ai2_arc,'))!;
    expect(row.split(',')).toContain(String(fixture.scores[String(dI)]!.train_same_ist!['ai2_arc']));
  });

  it('maps the intrinsic vectors (PCA) by category with train/test marked, and draws the similarity heatmap', async () => {
    const dI = String(Math.max(...Object.keys(fixture.e_rel_pt).map(Number)));
    const a = fixture.analysis![dI]!;
    const traces = await plotData(page, 'pca-chart');
    const plotted = traces.flatMap((t) => (t.text ?? []).map((label, i) => ({ label, x: t.x![i], y: t.y![i], name: t.name })));
    expect(plotted.map((p) => p.label).sort()).toEqual([...a.labels].sort());
    for (const p of plotted) {
      const i = a.labels.indexOf(p.label);
      expect([p.x, p.y]).toEqual(a.pca2[i]);
      expect(p.name).toContain(fixture.study.tasks.test.includes(p.label) ? '(test)' : '(train)');
    }
    // Categories come from CrossFit's catalogue for an imported file without them.
    expect(plotted.find((p) => p.label === 'glue-sst2')!.name).toContain('cls/sentiment analysis');
    const heat = await plotData(page, 'similarity-chart');
    expect(heat[0]!.z).toEqual(a.similarity);
    expect(heat[0]!.x).toEqual(a.labels);
  });

  it('names every challenge in words with the paper’s notation second, and says how to read each chart', async () => {
    const headers = await page.locator('[data-testid="task-scores"] thead th').allTextContents();
    expect(headers.join('|')).toContain('new tasks (IST) · T_test(IST)');
    expect(headers.join('|')).toContain('training tasks, same data (IST) · T_train(IST)');
    for (const id of ['task-scores', 'erel-table', 'erel-chart-table']) {
      expect(await page.textContent(`[data-testid="${id}"]`), id).not.toMatch(/test_ist|train_same_ist|train_diff_ist|_msf\b/);
    }
    for (const id of ['erel-chart', 'pca-chart', 'similarity-chart']) {
      expect(await page.textContent(`[data-testid="${id}-how"]`), id).toMatch(/^How to read this: .{80,}/);
      // The paragraph is part of the chart's text alternative.
      expect(await page.getAttribute(`[data-testid="${id}"] .plot`, 'aria-describedby'), id).toContain(await page.getAttribute(`[data-testid="${id}-how"]`, 'id'));
    }
  });

  it('exports a chart as PNG and as SVG', async () => {
    const chart = page.locator('[data-testid="erel-chart"]');
    const [png] = await Promise.all([page.waitForEvent('download'), chart.getByRole('button', { name: 'Save PNG' }).click()]);
    expect(png.suggestedFilename()).toBe('fixture_study-erel.png');
    const bytes = readFileSync((await png.path())!);
    expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const [svg] = await Promise.all([page.waitForEvent('download'), chart.getByRole('button', { name: 'Save SVG' }).click()]);
    expect(svg.suggestedFilename()).toBe('fixture_study-erel.svg');
    expect(readFileSync((await svg.path())!, 'utf8')).toContain('<svg');
    await page.screenshot({ path: join(RESULTS, 'ui-results.png'), fullPage: true });
  });

  it('About: the typed tutorial steps through with the diagram, keyboard only', async () => {
    await app.open('about');
    const tutorial = page.locator('[data-testid="tutorial"]');
    await expect.poll(() => tutorial.locator('h4').textContent()).toBe('1. One soft prompt per task');
    expect(await tutorial.locator('svg title').textContent()).toBe('Intrinsic prompt tuning in one picture');
    // No model loaded on this page: the tutorial says how to get one, the sizes table gives the paper's.
    expect(await tutorial.textContent()).toContain('No model is loaded yet');
    expect(await page.textContent('[data-testid="model-sizes"]')).toContain('100 × 768 = 76,800');
    await tutorial.getByRole('button', { name: 'Next' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    expect(await tutorial.locator('h4').textContent()).toBe('3. Tune only d_I numbers');
    expect(await tutorial.textContent()).toContain('Step 3 of 4');
    await app.open('results');
    await page.setInputFiles('[data-testid="results-file"]', FIXTURE);
    await page.waitForSelector('[data-testid="erel-chart"]');
  });

  it('shows task names and categories that look like HTML as text in the charts, never as links or images', async () => {
    const LINK = '<a href="x">';
    const IMG = '<img src=x onerror=alert(1)>';
    // The fixture with two task names replaced everywhere, and categories that look like HTML too.
    const text = readFileSync(FIXTURE, 'utf8').replaceAll('"glue-sst2"', JSON.stringify(LINK)).replaceAll('"ai2_arc"', JSON.stringify(IMG));
    const hostile = { ...(JSON.parse(text) as StudyResultsJson), categories: { [LINK]: IMG, [IMG]: LINK } };
    const file = join(tmpdir(), 'hostile.results.json');
    writeFileSync(file, JSON.stringify(hostile));
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.setInputFiles('[data-testid="results-file"]', file);
    await expect.poll(() => page.textContent('[data-testid="results-status"]')).toContain('hostile.results.json');
    await plotData(page, 'pca-chart');
    await plotData(page, 'similarity-chart');
    for (const id of ['pca-chart', 'similarity-chart']) {
      const plot = page.locator(`[data-testid="${id}"] .plot`);
      expect(await plot.locator('a').count(), id).toBe(0);
      expect(await plot.locator('img').count(), id).toBe(0);
    }
    // The literal strings are what the user reads: the PCA legend names the categories, the heatmap's ticks the tasks.
    const legend = (await page.locator('[data-testid="pca-chart"] .plot .legend').textContent()) ?? '';
    expect(legend).toContain(`${IMG} (train)`);
    expect(legend).toContain(`${LINK} (train)`);
    const ticks = await page.locator('[data-testid="similarity-chart"] .plot .xtick').allTextContents();
    expect(ticks).toContain(LINK);
    expect(ticks).toContain(IMG);
    expect(dialogs).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });

  it('draws T_test^in and T_test^out as their own series and lists each E_rel with n and the tasks left out', async () => {
    // The fixture as a cls-style study: squad-no_context is out of domain (and excluded: PT 0), superglue-rte in domain.
    const split = JSON.parse(readFileSync(FIXTURE, 'utf8')) as StudyResultsJson & Record<string, unknown>;
    split.study = { ...split.study, name: 'split-study', tasks: { ...split.study.tasks, testOutOfDomain: ['squad-no_context'] } };
    split.test_split = { in: ['superglue-rte'], out: ['squad-no_context'] };
    const dims = Object.keys(split.e_rel_pt);
    for (const d of dims) {
      split.e_rel_pt[d] = { ...split.e_rel_pt[d]!, test_in_ist: split.e_rel_pt[d]!.test_ist, test_out_ist: null as unknown as number };
      split.excluded![`${d}/test_out_ist/r1`] = [{ task: 'squad-no_context', reason: 'PT score 0 <= 0' }];
    }
    split.e_rel_n = Object.fromEntries(dims.map((d) => [d, { train_msf: 5, test_msf: 1, train_same_ist: 5, train_diff_ist: 5, test_ist: 1, test_in_ist: 1, test_out_ist: 0 }]));
    const file = join(tmpdir(), 'split.results.json');
    writeFileSync(file, JSON.stringify(split));
    await page.setInputFiles('[data-testid="results-file"]', file);
    await expect.poll(() => page.textContent('[data-testid="results-status"]')).toContain('split.results.json');
    const traces = await plotData(page, 'erel-chart');
    const inTrace = traces.find((t) => t.name === 'new tasks in domain (IST) · T_test^in(IST)');
    const outTrace = traces.find((t) => t.name === 'new tasks out of domain (IST) · T_test^out(IST)');
    expect(inTrace?.y).toEqual(dims.map(Number).sort((a, b) => a - b).map((d) => split.e_rel_pt[String(d)]!.test_ist));
    expect(outTrace?.y).toEqual(dims.map(() => null));
    // The E_rel table: one row per d_I and challenge, with n and the excluded tasks beside the value.
    const table = page.locator('[data-testid="erel-table"]');
    await expect.poll(() => table.getAttribute('data-rows')).toBe(String(dims.length * 7));
    const rowOf = async (label: string) => (await table.locator('tbody tr', { hasText: label }).first().locator('td').allTextContents()).map((x) => x.trim());
    const outRow = await rowOf('new tasks out of domain (IST) · T_test^out(IST)');
    expect(outRow.slice(-2)).toEqual(['0', 'squad-no_context']);
    const inRow = await rowOf('new tasks in domain (IST) · T_test^in(IST)');
    expect(inRow.slice(-2)).toEqual(['1', 'none']);
    expect(app.pageErrors).toEqual([]);
  });

  it('says which file is wrong and why when a results.json is broken', async () => {
    const bad = join(tmpdir(), 'broken.results.json');
    writeFileSync(bad, JSON.stringify({ study: { tasks: { train: [], test: [] } }, pt: {}, scores: {} }));
    await page.setInputFiles('[data-testid="results-file"]', bad);
    await expect.poll(() => page.textContent('[data-testid="results-status"]')).toContain('broken.results.json: "e_rel_pt" is missing');
    expect(app.pageErrors).toEqual([]);
  });
});
