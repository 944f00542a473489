// The Library screen in Chromium on the built app, end to end: a tiny random BART (test tokenizer)
// is served in the Hub layout and loaded through the Model screen; a tiny study (1 training + 1
// unseen task of the built-in world, d_I 2, a few steps) runs from the Run screen form; the Library
// then lists its prompts, projector and vectors; one is renamed, the projector is downloaded (the
// bytes are the stored ones), a prompt is exported as a PEFT adapter and imported back, Results
// rows link to their task's artifacts, Open in Explore goes to the projector's (and a vector's)
// address, and the downloaded vector and projector are imported into a fresh browser profile (the
// vector links to Explore once its projector is there), listed, the projector deleted and still
// gone after a reload. Run after `npx vite build` (APP_DIST=<folder> for another build).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, openUrl, RESULTS, type AppUnderTest } from './support/app';
import { launchChromium, type LaunchedBrowser } from './support/chromium';
import { TINY_BART_CONFIG as CONFIG, writeHubModel } from './support/hubModel';


/** The stored file of an artifact, read straight from the page's IndexedDB (what the Library keeps). */
function storedBytes(page: Page, id: string): Promise<number[]> {
  return page.evaluate((key) => new Promise<number[]>((resolve, reject) => {
    const open = indexedDB.open('intrinsic-lab-artifacts');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const get = db.transaction('files').objectStore('files').get(key);
      get.onsuccess = () => {
        db.close();
        resolve([...(get.result as { bytes: Uint8Array }).bytes]);
      };
      get.onerror = () => reject(get.error);
    };
  }), id);
}

/** Goes to a screen as a user does, by its navigation link (a page load would lose the loaded model). */
async function nav(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: title, exact: true }).click();
  await expect.poll(() => page.textContent('#screen-title')).toBe(title);
}

const rowsOf = (page: Page) => page.locator('[data-testid="library-table"] tbody tr[data-key]');
const rowCount = (page: Page) => page.getAttribute('[data-testid="library-table"]', 'data-rows').then(Number);
/** The Library row whose Name cell reads exactly `name`. */
const rowNamed = (page: Page, name: string) => rowsOf(page).filter({ has: page.locator('[data-testid="artifact-name"]', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });

describe('Library screen (built app in Chromium)', () => {
  let work: string;
  let app: AppUnderTest;
  let page: Page;
  let fresh: LaunchedBrowser | null = null;
  const downloads: Download[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'intrinsic-lab-ui-library-'));
    writeHubModel(join(work, 'hub'), 'tiny/bart', CONFIG, 5);
    app = await launchApp({ mounts: { '/hub': join(work, 'hub') } });
    page = app.page;
    page.on('download', (d) => downloads.push(d));
  });

  afterAll(async () => {
    await fresh?.close();
    await app?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('a finished study\'s prompts, projector and vectors are listed; rename, download, PEFT export and import, Explore and Results links', async () => {
    await app.loadHubModel('tiny/bart');
    await nav(page, 'Run');
    await page.getByLabel('Name', { exact: true }).fill('library demo');
    await page.getByLabel(/Quick demo/).check();
    await page.getByLabel(/Quick study of the “random” split/).uncheck();
    await page.getByLabel('d_I values').fill('2');
    await page.getByLabel('Run seeds').fill('1');
    await page.getByLabel('Training tasks (at most)').fill('1');
    await page.getByLabel('Unseen tasks (at most)').fill('1');
    await page.getByLabel('PT steps').fill('2');
    await page.getByLabel('MSF steps').fill('2');
    await page.getByLabel('IST steps').fill('2');
    const random = page.getByLabel('Random-subspace baseline');
    if (await random.isChecked()) await random.uncheck();
    await page.getByRole('button', { name: 'Start study' }).click();
    await expect.poll(() => page.getAttribute('[data-testid="run-status"]', 'data-status'), { timeout: 300_000, interval: 500 }).toBe('done');

    // PT of both tasks on the data seed and of the training task on the diff seed; one MSF; IST train_same, train_diff, test.
    await nav(page, 'Library');
    await expect.poll(() => rowCount(page), { timeout: 30_000 }).toBe(7);
    const kinds = await rowsOf(page).locator('td:nth-child(1)').allTextContents();
    expect(kinds.map((k) => k.trim()).sort()).toEqual(['projector', 'prompt', 'prompt', 'prompt', 'vector', 'vector', 'vector']);
    const projectorRow = rowNamed(page, 'projector-d2');
    expect(await projectorRow.count()).toBe(1);
    const projectorId = (await projectorRow.getAttribute('data-key'))!;
    const projectorText = await projectorRow.textContent();
    expect(projectorText).toContain('hub:tiny/bart');
    expect(projectorText).toContain('study “library demo”');
    // The table is a table: a caption and column headers.
    expect(await page.locator('[data-testid="library-table"] caption').textContent()).toBe('Artifacts in this browser');
    const headers = (await page.locator('[data-testid="library-table"] thead th[scope="col"]').allTextContents()).map((h) => h.replace(/[▲▼↕]/g, '').trim());
    expect(headers).toEqual(['Kind', 'Name', 'Model', 'Task(s)', 'd_I', 'Size', 'Stored', 'Score', 'From', 'Actions']);

    // Rename from the keyboard: the field takes focus, Enter saves.
    await page.getByRole('button', { name: 'Rename projector-d2' }).click();
    const field = page.getByLabel('New name for projector-d2');
    await expect.poll(() => field.evaluate((el) => el === document.activeElement)).toBe(true);
    await field.fill('shared subspace');
    await page.keyboard.press('Enter');
    await rowNamed(page, 'shared subspace').waitFor();
    expect(await rowNamed(page, 'projector-d2').count()).toBe(0);
    // An empty name is refused, visibly, and the old name stays.
    await page.getByRole('button', { name: 'Rename shared subspace' }).click();
    await page.getByLabel('New name for shared subspace').fill('  ');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.textContent('[data-testid="library-error"]')).toContain('a name cannot be empty');
    await page.getByLabel('New name for shared subspace').press('Escape');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Rename shared subspace');
    expect(await rowNamed(page, 'shared subspace').count()).toBe(1);

    // Download: the very bytes stored, named after the artifact.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download shared subspace' }).click()]);
    expect(download.suggestedFilename()).toBe('shared_subspace.safetensors');
    const saved = join(work, 'shared_subspace.safetensors');
    await download.saveAs(saved);
    const bytes = readFileSync(saved);
    expect([...bytes]).toEqual(await storedBytes(page, projectorId));

    // Open in Explore: the projector's address, and a vector's with the projector it was tuned through.
    const vectorRow = rowsOf(page).filter({ hasText: 'test/' }).first();
    const vectorId = (await vectorRow.getAttribute('data-key'))!;
    expect(await vectorRow.getByRole('link', { name: /Open .* in Explore/ }).getAttribute('href')).toBe(`#/explore?artifact=${projectorId}&vector=${vectorId}`);
    expect(await rowsOf(page).filter({ hasText: 'prompt' }).first().getByRole('link', { name: /in Explore/ }).count()).toBe(0);
    const [vectorDownload] = await Promise.all([page.waitForEvent('download'), vectorRow.getByRole('button', { name: /^Download / }).click()]);
    await vectorDownload.saveAs(join(work, 'vector.safetensors'));
    await page.getByRole('link', { name: 'Open shared subspace in Explore' }).click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/explore?artifact=${projectorId}`);
    await expect.poll(() => page.textContent('#screen-title')).toBe('Explore');

    // PEFT export of a prompt: two files, the adapter's config and its weights.
    await nav(page, 'Library');
    await expect.poll(() => rowCount(page)).toBe(7);
    const promptRow = rowsOf(page).filter({ has: page.locator('td:nth-child(1)', { hasText: /^prompt$/ }) }).first();
    const promptName = (await promptRow.locator('[data-testid="artifact-name"]').textContent())!;
    const before = downloads.length;
    await page.getByRole('button', { name: `Export ${promptName} as a PEFT adapter` }).click();
    await expect.poll(() => downloads.length).toBe(before + 2);
    const peft = downloads.slice(before);
    expect(peft.map((d) => d.suggestedFilename()).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    for (const d of peft) await d.saveAs(join(work, d.suggestedFilename()));
    const config = JSON.parse(readFileSync(join(work, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ peft_type: 'PROMPT_TUNING', task_type: 'SEQ_2_SEQ_LM', base_model_name_or_path: 'tiny/bart', num_virtual_tokens: 8, token_dim: 16 });

    // The adapter comes back in as a prompt of the loaded model (both files picked together); a
    // .pt file that is no PyTorch file and a stray file get their own errors, and nothing else is stored.
    writeFileSync(join(work, 'notes.txt'), 'hello');
    writeFileSync(join(work, 'glue-sst2_16_100_best.pt'), 'PK');
    await page.setInputFiles('[data-testid="library-import"]', [join(work, 'adapter_config.json'), join(work, 'adapter_model.safetensors'), join(work, 'notes.txt'), join(work, 'glue-sst2_16_100_best.pt')]);
    const report = page.locator('[data-testid="library-import-report"]');
    await report.waitFor();
    await expect.poll(() => report.locator('li').count()).toBe(3);
    const lines = await report.locator('li').allTextContents();
    expect(lines[0]).toMatch(/^adapter_config\.json \+ adapter_model\.safetensors: stored as prompt “PEFT adapter” for hub:tiny\/bart/);
    expect(lines[1]).toMatch(/^notes\.txt: not a file the library reads/);
    expect(lines[2]).toMatch(/^glue-sst2_16_100_best\.pt: .*not a PyTorch file: it starts with neither a zip header/);
    await expect.poll(() => rowCount(page)).toBe(8);

    // Results rows link to their task's artifacts in the Library.
    await nav(page, 'Results');
    await page.getByRole('button', { name: /Show “library demo”/ }).click();
    const table = page.locator('[data-testid="task-scores"]');
    await table.waitFor();
    const task = (await table.locator('tbody tr').first().locator('td').first().textContent())!.trim();
    await table.getByRole('link', { name: `Artifacts of ${task} in the Library` }).click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/library?task=${task}`);
    await expect.poll(() => page.textContent('[data-testid="library-filter"]')).toContain(`task “${task}”`);
    const shown = await rowsOf(page).count();
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(8);
    for (const t of await rowsOf(page).locator('td:nth-child(4)').allTextContents()) expect(t).toContain(task);
    await page.screenshot({ path: join(RESULTS, 'ui-library.png'), fullPage: true });
    expect(app.pageErrors).toEqual([]);
  });

  it('the downloaded vector and projector import into a fresh profile, are listed there, and a delete is gone after a reload', async () => {
    fresh = await launchChromium();
    const other = await fresh.context.newPage();
    const errors: string[] = [];
    other.on('pageerror', (e) => errors.push(e.message));
    await openUrl(other, `${app.server.url}/#/library`);
    await expect.poll(() => rowCount(other)).toBe(0);
    // A vector without its projector: listed, but Explore has nothing to place it in yet.
    await other.setInputFiles('[data-testid="library-import"]', join(work, 'vector.safetensors'));
    await expect.poll(() => rowCount(other), { timeout: 30_000 }).toBe(1);
    const vector = rowNamed(other, 'vector');
    expect(await vector.textContent()).toContain('(its projector is not in this library)');
    await other.setInputFiles('[data-testid="library-import"]', join(work, 'shared_subspace.safetensors'));
    await expect.poll(() => other.locator('[data-testid="library-import-report"] li').first().textContent().catch(() => ''), { timeout: 30_000 })
      .toBe('shared_subspace.safetensors: stored as projector “shared_subspace”');
    await expect.poll(() => rowCount(other)).toBe(2);
    const row = rowNamed(other, 'shared_subspace');
    expect(await row.textContent()).toContain('imported shared_subspace.safetensors');
    const projectorId = (await row.getAttribute('data-key'))!;
    expect(await vector.getByRole('link', { name: 'Open vector in Explore' }).getAttribute('href')).toBe(`#/explore?artifact=${projectorId}&vector=${await vector.getAttribute('data-key')}`);
    // The same file again is the same artifact.
    await other.setInputFiles('[data-testid="library-import"]', join(work, 'shared_subspace.safetensors'));
    await expect.poll(() => other.locator('[data-testid="library-import-report"] li').first().textContent())
      .toBe('shared_subspace.safetensors: already in the library as “shared_subspace”');
    expect(await rowCount(other)).toBe(2);

    // Delete asks first, from the keyboard too: focus goes to "Keep it", and back to Delete when kept.
    const focused = () => other.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    await other.getByRole('button', { name: 'Delete shared_subspace' }).focus();
    await other.keyboard.press('Enter');
    await expect.poll(focused).toBe('Keep it');
    await other.keyboard.press('Enter');
    await expect.poll(focused).toBe('Delete');
    expect(await rowCount(other)).toBe(2);
    await other.keyboard.press('Enter');
    await other.getByRole('button', { name: 'Yes, delete' }).click();
    await expect.poll(() => rowCount(other)).toBe(1);
    await other.reload();
    await other.locator('#screen-title').waitFor();
    await expect.poll(() => rowCount(other)).toBe(1);
    expect(await rowNamed(other, 'shared_subspace').count()).toBe(0);
    expect(await vector.textContent()).toContain('(its projector is not in this library)');
    expect(errors).toEqual([]);
  });
});
