// The Tasks screen in Chromium on the built app: on a fresh profile the split and the import come
// first, in the first viewport, and the long task list scrolls in its own named, keyboard-scrollable
// region; the built-in world and CrossFit's catalogue are listed (filter, search), the paper's splits and a custom split give the expected task counts,
// a malformed TSV import is refused with file:line in an alert, and real CrossFit files (from
// ../shared/crossfit-sample) import with their counts, preview and a new metric; a small table of
// one's own imports with the split the screen states, is still there after a reload, and is gone
// after removal and a reload; a stored record that no longer reads is named and can be deleted; a
// table too small to split is refused with the rule applied.
// Run after `npx vite build`.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, RESULTS, ROOT, type AppUnderTest } from './support/app';

const SAMPLE = join(ROOT, '../shared/crossfit-sample/glue-sst2');
const META = join(ROOT, '../shared/crossfit-meta');
const hasSample = existsSync(SAMPLE);
if (!hasSample) console.warn(`ui-tasks: ${SAMPLE} is absent, so the CrossFit import test is SKIPPED`);

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);

describe('Tasks screen (built app in Chromium)', () => {
  let work: string;
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'intrinsic-lab-ui-tasks-'));
    app = await launchApp({ mounts: hasSample ? { '/sample': dirname(SAMPLE) } : {} });
    page = app.page;
    await app.open('tasks');
  });

  afterAll(async () => {
    await app?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const rowsOf = (testid: string) => page.getAttribute(`[data-testid="${testid}"]`, 'data-rows').then(Number);
  const texts = async (selector: string) => (await page.locator(selector).allTextContents()).map((t) => t.trim());
  const summary = async () => ({
    train: Number(await page.getAttribute('[data-testid="split-summary"]', 'data-train')),
    test: Number(await page.getAttribute('[data-testid="split-summary"]', 'data-test')),
  });
  /** After an action, what the screen shows once it has settled (Svelte re-renders after the event). */
  const settled = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });
  const cellsOf = async (row: ReturnType<Page['locator']>) => (await row.locator('td').allTextContents()).map((t) => t.trim());

  it('puts the split and the import above the long task table, in the first viewport; the table scrolls in a region of its own', async () => {
    await expect.poll(() => rowsOf('tasks-table'), { timeout: 30_000 }).toBeGreaterThanOrEqual(120);
    const viewport = await page.evaluate(() => window.innerHeight);
    const table = page.getByTestId('tasks-table');
    const controls = [page.getByLabel('Task split'), page.getByLabel('Files', { exact: true }), page.getByLabel('Folder', { exact: true }), page.getByLabel('URLs (one per line)')];
    for (const control of controls) {
      // Before the table in the page's order (what a keyboard or screen-reader user meets first) ...
      expect(await control.evaluate((el, t) => Boolean(el.compareDocumentPosition(t!) & Node.DOCUMENT_POSITION_FOLLOWING), await table.elementHandle())).toBe(true);
      // ... and on screen without scrolling.
      const box = await control.boundingBox();
      expect(box).not.toBeNull();
      expect(box!.y + box!.height).toBeLessThan(viewport);
    }
    // The table (named by its caption) lives in a named region, shorter than the window, that the keyboard scrolls.
    const region = page.getByRole('region', { name: 'Task list' });
    expect(await region.getByRole('table', { name: /^Built-in task world: \d+ of \d+ tasks$/ }).count()).toBe(1);
    const size = await region.evaluate((el) => ({ client: el.clientHeight, scroll: el.scrollHeight }));
    expect(size.client).toBeLessThan(viewport);
    expect(size.scroll).toBeGreaterThan(size.client);
    await region.focus();
    await page.keyboard.press('End');
    await expect.poll(() => region.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
    await page.screenshot({ path: join(RESULTS, 'ui-tasks-first-view.png') });
  });

  it('lists the built-in world (at least 120 tasks, every family) with its random split', async () => {
    await expect.poll(() => rowsOf('tasks-table'), { timeout: 30_000 }).toBeGreaterThanOrEqual(120);
    const tasks = await rowsOf('tasks-table');
    // Each family's tasks add up to the task list.
    const familyTasks = await texts('[data-testid="families-table"] tbody tr td:last-child');
    expect(familyTasks.length).toBeGreaterThan(10);
    expect(familyTasks.reduce((s, n) => s + Number(n), 0)).toBe(tasks);
    // random: every task is train or test, and both sides are non-empty.
    const { train, test } = await summary();
    expect(train + test).toBe(tasks);
    expect(test).toBeGreaterThan(0);
    const roles = await texts('[data-testid="tasks-table"] tbody td:last-child');
    expect(roles.filter((r) => r === 'test')).toHaveLength(test);
    expect(roles.filter((r) => r === 'train')).toHaveLength(train);
    await page.screenshot({ path: join(RESULTS, 'ui-tasks-builtin.png'), fullPage: true });
  });

  it('browses the CrossFit catalogue by category and name, with the paper’s splits and a custom one', async () => {
    await page.getByLabel(/CrossFit catalogue/).check();
    await settled(() => rowsOf('tasks-table')).toBe(160);
    await page.getByLabel('Category', { exact: true }).selectOption('cls/sentiment analysis');
    const categoryCells = () => texts('[data-testid="tasks-table"] tbody tr td:nth-child(2)');
    await settled(async () => new Set(await categoryCells())).toEqual(new Set(['cls/sentiment analysis']));
    expect((await categoryCells()).length).toBeGreaterThan(3);
    await page.getByLabel('Category', { exact: true }).selectOption('');
    await page.getByLabel('Search by name').fill('glue');
    const nameCells = () => texts('[data-testid="tasks-table"] tbody tr td:first-child');
    await settled(async () => (await nameCells()).every((n) => n.includes('glue'))).toBe(true);
    expect((await nameCells()).length).toBeGreaterThan(3);
    await page.getByLabel('Search by name').fill('');
    await settled(() => rowsOf('tasks-table')).toBe(160);

    // The paper's split files, read independently of the app's copy when ../shared is there.
    const split = async (name: string) =>
      existsSync(META) ? (JSON.parse(readFileSync(join(META, `split-${name}.json`), 'utf8')) as { train: string[]; test?: string[] }) : null;
    const random = await split('random');
    await settled(summary).toEqual(random ? { train: random.train.length, test: random.test!.length } : { train: 100, test: 20 });
    await page.getByLabel('Task split').selectOption('cls');
    const cls = await split('cls');
    await settled(async () => (await summary()).train).toBe(cls ? cls.train.length : 35);

    // Custom starts from the cls split; unticking one training task and ticking it as test moves it.
    await page.getByLabel('Task split').selectOption('custom');
    await settled(() => page.getByLabel('Task split').inputValue()).toBe('custom');
    await settled(async () => (await summary()).train).toBe(cls ? cls.train.length : 35);
    const before = await summary();
    const first = cls?.train[0] ?? (await nameCells())[0]!;
    await page.getByLabel(`Test on ${first}`, { exact: true }).check();
    await settled(() => page.getByLabel(`Train on ${first}`, { exact: true }).isChecked()).toBe(false);
    await settled(summary).toEqual({ train: before.train - 1, test: before.test + 1 });
    // Keyboard: Space on the focused checkbox moves it back.
    await page.getByLabel(`Train on ${first}`, { exact: true }).focus();
    await page.keyboard.press('Space');
    await settled(summary).toEqual(before);

    // The selection survives a reload (localStorage): the Run screen reads it later.
    await page.getByLabel(`Test on ${first}`, { exact: true }).check();
    await settled(summary).toEqual({ train: before.train - 1, test: before.test + 1 });
    await page.reload();
    await settled(() => page.getByLabel('Task split').inputValue()).toBe('custom');
    expect(await page.getByLabel(/CrossFit catalogue/).isChecked()).toBe(true);
    await settled(summary).toEqual({ train: before.train - 1, test: before.test + 1 });
  });

  it('refuses a malformed TSV with its file and line in an alert, importing nothing', async () => {
    const dir = join(work, 'broken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'broken_16_100_train.tsv'), 'good input\tpositive\nthis line has no tab\n');
    writeFileSync(join(dir, 'broken_16_100_dev.tsv'), 'fine\tnegative\n');
    await page.getByLabel('Files', { exact: true }).setInputFiles([join(dir, 'broken_16_100_train.tsv'), join(dir, 'broken_16_100_dev.tsv')]);
    const alert = page.getByRole('alert').filter({ hasText: 'Nothing was imported' });
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toContain('broken_16_100_train.tsv:2: no TAB between input and output');
    // Parsed in the import worker (src/worker/tasks.ts), not on the page's thread.
    expect(page.workers().map((w) => w.url()).some((url) => /\/assets\/tasks-[\w-]+\.js$/.test(url))).toBe(true);
    await settled(() => page.getByLabel(/Imported tasks/).evaluate((el) => el.parentElement?.textContent)).toContain('(0)');
    await page.screenshot({ path: join(RESULTS, 'ui-tasks-import-error.png'), fullPage: true });
  });

  it('refuses a file that is not valid UTF-8, naming it (as the CLI does), importing nothing', async () => {
    const dir = join(work, 'latin1');
    mkdirSync(dir);
    // "café" in Latin-1: the browser's File.text() would have read it as "caf\uFFFD".
    writeFileSync(join(dir, 'latin1_16_100_train.tsv'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x09, 0x78, 0x0a]));
    writeFileSync(join(dir, 'latin1_16_100_dev.tsv'), 'fine\tx\n');
    await page.getByLabel('Files', { exact: true }).setInputFiles([join(dir, 'latin1_16_100_train.tsv'), join(dir, 'latin1_16_100_dev.tsv')]);
    const alert = page.getByRole('alert').filter({ hasText: 'Nothing was imported' });
    await settled(() => alert.textContent()).toContain('latin1_16_100_train.tsv: not valid UTF-8 text');
    await settled(() => page.getByLabel(/Imported tasks/).evaluate((el) => el.parentElement?.textContent)).toContain('(0)');
  });

  it.skipIf(!hasSample)('imports real CrossFit files (glue-sst2) with their counts, preview and a new metric', async () => {
    const tsv = readdirSync(SAMPLE).filter((f) => f.endsWith('.tsv')).map((f) => join(SAMPLE, f));
    await page.getByLabel('Files', { exact: true }).setInputFiles(tsv);
    await expect.poll(() => page.textContent('[data-testid="import-status"]'), { timeout: 30_000 }).toContain('Imported 1 task');
    expect(await page.getByRole('alert').filter({ hasText: 'Nothing was imported' }).count()).toBe(0);
    const train = lines(join(SAMPLE, 'glue-sst2_16_100_train.tsv'));
    const dev = lines(join(SAMPLE, 'glue-sst2_16_100_dev.tsv'));
    const test = lines(join(SAMPLE, 'glue-sst2_16_100_test.tsv'));
    const row = page.locator('[data-testid="imported-table"] tbody tr[data-key="glue-sst2"]');
    await settled(async () => (await cellsOf(row)).slice(0, 5)).toEqual(['glue-sst2', 'cls/sentiment analysis', 'ACC', '100, 13', `${train.length} / ${dev.length} / ${test.length}`]);

    await page.getByRole('button', { name: 'Preview glue-sst2' }).click();
    const preview = page.locator('[data-testid="preview-train"]');
    await settled(() => preview.locator('caption').textContent()).toBe(`train: first 5 of ${train.length}`);
    const [input, output] = train[0]!.split('\t');
    expect(await cellsOf(preview.locator('tbody tr').first())).toEqual(['1', input!.trim(), output!.trim()]);

    await page.getByRole('button', { name: 'Set category and metric of glue-sst2' }).click();
    await page.getByLabel('Metric', { exact: true }).selectOption('Classification-F1');
    await page.getByRole('button', { name: 'Save' }).click();
    await settled(async () => (await row.locator('td').nth(2).textContent())?.trim()).toBe('Classification-F1');

    // Imported tasks form their own source; a custom split picks them.
    await page.getByLabel(/Imported tasks/).check();
    await settled(() => rowsOf('tasks-table')).toBe(1);
    await page.getByLabel('Task split').selectOption('custom');
    await page.getByLabel('Train on glue-sst2', { exact: true }).check();
    await settled(async () => (await summary()).train).toBe(1);
    await page.screenshot({ path: join(RESULTS, 'ui-tasks-imported.png'), fullPage: true });
  });

  it.skipIf(!hasSample)('imports a whole folder (webkitdirectory) with tasks.json; the paper’s split applies to the imported tasks', async () => {
    const folder = dirname(SAMPLE);
    const meta = JSON.parse(readFileSync(join(folder, 'tasks.json'), 'utf8')) as Record<string, { category: string; metric: string }>;
    const names = Object.keys(meta).sort();
    await page.getByLabel('Folder', { exact: true }).setInputFiles(folder);
    await expect.poll(() => page.textContent('[data-testid="import-status"]'), { timeout: 60_000 }).toContain(
      `Imported ${names.length} tasks from the folder crossfit-sample`,
    );
    await settled(() => rowsOf('imported-table')).toBe(names.length);
    // Category and metric come from tasks.json (glue-sst2's earlier metric change is replaced too).
    for (const name of ['glue-sst2', 'trec', 'xsum']) {
      const row = page.locator(`[data-testid="imported-table"] tbody tr[data-key="${name}"]`);
      await settled(async () => (await cellsOf(row)).slice(0, 3)).toEqual([name, meta[name]!.category, meta[name]!.metric]);
    }
    // xsum has no test file in the sample: an empty test list, not an error.
    expect((await page.locator('[data-testid="imported-table"] tbody tr[data-key="xsum"] td').nth(4).textContent())?.trim()).toMatch(/ \/ 0$/);
    await page.getByLabel('Task split').selectOption('random');
    if (existsSync(META)) {
      const random = JSON.parse(readFileSync(join(META, 'split-random.json'), 'utf8')) as { train: string[]; test: string[] };
      await settled(summary).toEqual({
        train: names.filter((n) => random.train.includes(n)).length,
        test: names.filter((n) => random.test.includes(n)).length,
      });
    }
    // The catalogue now shows the imported tasks' counts.
    await page.getByLabel(/CrossFit catalogue/).check();
    const trec = page.locator('[data-testid="tasks-table"] tbody tr[data-key="trec"]');
    await settled(async () => (await cellsOf(trec)).slice(4, 6)).toEqual([String(lines(join(folder, 'trec', 'trec_16_100_train.tsv')).length), String(lines(join(folder, 'trec', 'trec_16_100_dev.tsv')).length)]);
  });

  it.skipIf(!hasSample)('imports tasks by URL, and names a URL that fails', async () => {
    const files = readdirSync(join(dirname(SAMPLE), 'sick')).filter((f) => f.endsWith('.tsv'));
    await page.getByLabel('URLs (one per line)').fill(files.map((f) => `${app.server.url}/sample/sick/${f}`).join('\n'));
    await page.getByRole('button', { name: 'Fetch and import' }).click();
    await expect.poll(() => page.textContent('[data-testid="import-status"]'), { timeout: 30_000 }).toContain(`Imported 1 task from ${files.length} URLs: sick.`);

    await page.getByLabel('URLs (one per line)').fill(`${app.server.url}/sample/sick/nope_16_100_train.tsv`);
    await page.getByRole('button', { name: 'Fetch and import' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Nothing was imported' });
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toContain(`${app.server.url}/sample/sick/nope_16_100_train.tsv: HTTP 404`);
    expect(app.pageErrors).toEqual([]);
  });

  it('imports a 20-row table of one\'s own (10/10) with the split it states; it survives a reload until removed', async () => {
    const file = join(work, 'my-reviews.tsv');
    const rows = Array.from({ length: 20 }, (_, i) => (i < 10 ? `a film I loved, number ${i}\tpositive` : `a film I left early, number ${i}\tnegative`));
    writeFileSync(file, `input\toutput\n${rows.join('\n')}\n`);
    const split = "20 rows: 16 train, 2 dev, 2 test (too few rows for CrossFit's K=16 per label, so a smaller split: per label a tenth, at least one, for dev and for test)";
    await page.getByLabel('Files', { exact: true }).setInputFiles([file]);
    await expect.poll(() => page.textContent('[data-testid="import-status"]'), { timeout: 30_000 }).toContain(`Imported 1 task from 1 file: my-reviews. my-reviews: ${split}.`);
    const row = page.locator('[data-testid="imported-table"] tbody tr[data-key="my-reviews"]');
    const shown = async () => (await cellsOf(row)).slice(3, 7);
    const expected = ['100, 13, 21, 42, 87', '16 / 2 / 2', 'table', split];
    await settled(shown).toEqual(expected);
    await page.screenshot({ path: join(RESULTS, 'ui-tasks-own-table.png'), fullPage: true });

    // Kept in IndexedDB: after a reload (once the stored tasks are read back) it is listed again, with the same split.
    const restored = () => page.waitForSelector('[data-testid="import-status"][data-restored="true"]', { state: 'attached', timeout: 30_000 });
    await page.reload();
    await restored();
    await settled(shown).toEqual(expected);
    // Every earlier import was kept too (CrossFit files and folders validate and store), and nothing failed.
    if (hasSample) expect(await page.locator('[data-testid="imported-table"] tbody tr[data-key="glue-sst2"]').count()).toBe(1);
    expect(await page.locator('[data-testid="task-storage-error"], [data-testid="unreadable-tasks"]').count()).toBe(0);

    // Removed, it stays gone after a reload.
    await page.getByRole('button', { name: 'Remove my-reviews' }).click();
    await settled(() => row.count()).toBe(0);
    await page.reload();
    await restored();
    expect(await row.count()).toBe(0);
    expect(app.pageErrors).toEqual([]);
  });

  it('names a stored task that no longer reads back, and deletes it on request', async () => {
    // A record as TaskStore writes it, with a metric this app does not know.
    await page.evaluate(() => new Promise<void>((resolve, reject) => {
      const open = indexedDB.open('intrinsic-lab-tasks', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('tasks', { keyPath: 'name' });
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const db = open.result;
        const examples = [{ input: 'a', outputs: ['b'] }];
        const task = { name: 'damaged', category: 'unknown', metric: 'BLEU', k: 1, seeds: [0], origin: 'unknown', format: 'table', files: ['damaged.tsv'],
          bySeed: [{ name: 'damaged', category: 'unknown', metric: 'BLEU', k: 1, seed: 0, train: examples, dev: examples, test: [] }] };
        const tx = db.transaction('tasks', 'readwrite');
        tx.objectStore('tasks').put({ name: 'damaged', version: 1, storedAt: 0, task });
        tx.oncomplete = () => (db.close(), resolve());
        tx.onerror = () => reject(tx.error);
      };
    }));
    await page.reload();
    const alert = page.locator('[data-testid="unreadable-tasks"]');
    await settled(() => alert.textContent()).toContain('stored task "damaged": not a valid task: metric must be one of ACC, EM');
    expect(await page.locator('[data-testid="imported-table"] tbody tr[data-key="damaged"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Delete the stored record damaged' }).click();
    await settled(() => alert.count()).toBe(0);
    await page.reload();
    await page.waitForSelector('[data-testid="import-status"][data-restored="true"]', { state: 'attached', timeout: 30_000 });
    expect(await alert.count()).toBe(0);
  });

  it('refuses a table too small to split, stating the rule applied and the split column', async () => {
    const file = join(work, 'tiny.tsv');
    writeFileSync(file, 'input\toutput\nthe only row\tyes\n');
    await page.getByLabel('Files', { exact: true }).setInputFiles([file]);
    const alert = page.getByRole('alert').filter({ hasText: 'Nothing was imported' });
    await settled(() => alert.textContent()).toContain('tiny.tsv: 1 row is too few for a train and a dev set');
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('so it needs at least 2 rows');
    expect(text).toContain('Or add a "split" column (train, dev or test on every row) to choose the split yourself.');
    expect(await page.locator('[data-testid="imported-table"] tbody tr[data-key="tiny"]').count()).toBe(0);
  });
});
