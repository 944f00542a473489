// The Model screen's source choice in Chromium on the built app (a fresh profile): after a model
// loads, from this screen or elsewhere, the Source radio stays on what was loaded (embedded, Hub);
// the primary button says what it will load, so pressing it again reloads that model and fetches
// nothing from the Hub; facebook/bart-base's 560 MB download says its size and asks before it
// replaces the loaded model (and only a confirmed question fetches it). Requests to huggingface.co are answered by the test (aborted) and
// counted, so none leaves the machine. Run after `npx vite build`.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_MODEL } from '../../src/shared/embedded';
import { DIST, launchApp, type AppUnderTest } from './support/app';
import { writeHubModel } from './support/hubModel';

const CONFIG = {
  model_type: 'bart', vocab_size: 600, d_model: 16, encoder_layers: 1, decoder_layers: 1,
  encoder_attention_heads: 2, decoder_attention_heads: 2, encoder_ffn_dim: 32, decoder_ffn_dim: 32, max_position_embeddings: 64,
};
const hasEmbedded = existsSync(join(DIST, 'models', EMBEDDED_MODEL, 'config.json'));
if (!hasEmbedded) console.warn(`ui-model-source: models/${EMBEDDED_MODEL} is not in this build, so these tests are SKIPPED`);

describe.skipIf(!hasEmbedded)('Model screen source (built app in Chromium)', () => {
  let work: string;
  let app: AppUnderTest;
  let page: Page;
  /** Every request the page or its workers made to the real Hub (answered here, never sent). */
  const hubRequests: string[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'intrinsic-lab-ui-model-source-'));
    writeHubModel(join(work, 'hub'), 'tiny/bart', CONFIG, 7);
    app = await launchApp({ mounts: { '/hub': join(work, 'hub') } });
    page = app.page;
    await app.browser.context.route(/^https:\/\/huggingface\.co\//, (route) => {
      hubRequests.push(route.request().url());
      void route.abort();
    });
  });

  afterAll(async () => {
    await app?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const primary = () => page.getByRole('button', { name: /^Load model/ });
  const radio = (label: RegExp) => page.getByLabel(label);
  const ready = (files: (n: number) => boolean = () => true) => expect.poll(async () => {
    if ((await page.getAttribute('[data-testid="model-status"]', 'data-status')) !== 'ready') return false;
    return files(Number(await page.getAttribute('[data-testid="model-from-cache"]', 'data-files')));
  }, { timeout: 120_000 }).toBe(true);
  /** The screen made afresh (another screen, then back), once it has read what is loaded. */
  async function revisit(): Promise<void> {
    await app.open('run');
    await app.open('model');
    await page.waitForSelector('[data-testid="model-status"][data-status="ready"]');
    await page.waitForSelector('[data-testid="cache-total"]');
  }

  it('stays on the embedded model once it is loaded; pressing the button again reloads it and fetches nothing from the Hub', async () => {
    await app.open('model');
    await expect.poll(() => radio(/Embedded default/).isChecked(), { timeout: 30_000 }).toBe(true);
    expect(await primary().textContent()).toContain(EMBEDDED_MODEL);
    await primary().click();
    await ready();
    expect(await page.textContent('[data-testid="model-id"]')).toBe(`embedded:${EMBEDDED_MODEL}`);
    expect(await radio(/Embedded default/).isChecked()).toBe(true);

    await revisit();
    expect(await radio(/Embedded default/).isChecked()).toBe(true);
    expect(await radio(/Hugging Face Hub/).isChecked()).toBe(false);
    const label = (await primary().textContent())!.trim();
    expect(label).toContain(EMBEDDED_MODEL);
    expect(label).not.toMatch(/Hub|MB/);
    // The second load reads the embedded files from this browser's cache.
    await primary().click();
    await ready((n) => n > 0);
    expect(await page.textContent('[data-testid="model-id"]')).toBe(`embedded:${EMBEDDED_MODEL}`);
    expect(hubRequests).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });

  it('stays on the embedded model loaded from another screen (the Run screen’s button)', async () => {
    const fresh = await app.newPage();
    try {
      await app.open('run', fresh);
      await fresh.getByRole('button', { name: 'Load the built-in model' }).click();
      await expect.poll(() => fresh.textContent('[data-testid="run-model"]'), { timeout: 60_000 }).toBe(`embedded:${EMBEDDED_MODEL}`);
      await fresh.getByRole('link', { name: 'Model', exact: true }).click();
      await fresh.waitForSelector('[data-testid="model-status"][data-status="ready"]');
      await expect.poll(() => fresh.getByLabel(/Embedded default/).isChecked()).toBe(true);
      expect(await fresh.getByRole('button', { name: /^Load model/ }).textContent()).toContain(EMBEDDED_MODEL);
    } finally {
      await fresh.close();
    }
    expect(hubRequests).toEqual([]);
  });

  it('says facebook/bart-base is about 560 MB and asks before that download replaces the loaded model', async () => {
    await radio(/Hugging Face Hub/).check();
    await expect.poll(async () => (await primary().textContent())?.trim()).toBe('Load model: facebook/bart-base from the Hub (about 560 MB)');
    await primary().click();
    const ask = page.getByRole('alertdialog');
    await ask.waitFor();
    expect((await ask.textContent())!.replace(/\s+/g, ' ')).toContain(`about 560 MB and replaces the loaded model embedded:${EMBEDDED_MODEL}`);
    await ask.getByRole('button', { name: 'Keep the loaded model' }).click();
    await expect.poll(() => ask.count()).toBe(0);
    expect(await page.getAttribute('[data-testid="model-status"]', 'data-status')).toBe('ready');
    expect(await page.textContent('[data-testid="model-id"]')).toBe(`embedded:${EMBEDDED_MODEL}`);
    expect(hubRequests).toEqual([]);

    // From the keyboard: the question takes the focus, Escape dismisses it.
    await primary().focus();
    await page.keyboard.press('Enter');
    await ask.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Download and load');
    await page.keyboard.press('Escape');
    await expect.poll(() => ask.count()).toBe(0);
    await expect.poll(() => primary().evaluate((el) => el === document.activeElement)).toBe(true);
    expect(hubRequests).toEqual([]);

    // Confirmed, it is that download (refused here: no network), and the loaded model stays.
    await primary().click();
    await ask.getByRole('button', { name: 'Download and load' }).click();
    await page.waitForSelector('[data-testid="model-status"][data-status="error"]', { timeout: 60_000 });
    expect(hubRequests[0]).toBe('https://huggingface.co/facebook/bart-base/resolve/main/config.json');
    expect(await page.textContent('[data-testid="model-id"]')).toBe(`embedded:${EMBEDDED_MODEL}`);
    hubRequests.length = 0;
  });

  it('stays on a loaded Hub model, with its id and address', async () => {
    const base = `${app.server.url}/hub`;
    await page.getByLabel('Model id').fill('tiny/bart');
    await page.getByLabel('Hub address').fill(base);
    await expect.poll(async () => (await primary().textContent())?.trim()).toBe(`Load model: tiny/bart from ${base}`);
    // No known size, so no question: it loads.
    await primary().click();
    await ready();
    expect(await page.textContent('[data-testid="model-id"]')).toBe('hub:tiny/bart');

    await revisit();
    expect(await radio(/Hugging Face Hub/).isChecked()).toBe(true);
    expect(await page.getByLabel('Model id').inputValue()).toBe('tiny/bart');
    expect(await page.getByLabel('Hub address').inputValue()).toBe(base);
    expect(hubRequests).toEqual([]);
    expect(app.pageErrors).toEqual([]);
  });
});
