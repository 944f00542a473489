// The Explore screen in Chromium on the built app: a projector bundle made here (random weights
// of a tiny model's shape, 6 training tasks in 3 categories) opens from a file with its metadata
// and its PCA map; a damaged file is refused with the artifact error; with the tiny model loaded,
// a vector is tuned on typed examples (its point joins the map) and the subspace walk decodes
// outputs; a bundle made for another model is refused until "Use it anyway"; a share link
// (#/explore?il=...) opens the projector from its URL and plots the vector.
// Run after `npx vite build` (APP_DIST=<folder> for another build output).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeProjectorBundle, encodeShareLink, modelIdentity, type ProjectorWeights } from '../../src/shared/artifacts/index';
import { mulberry32 } from '../../src/shared/random';
import { launchApp, RESULTS, type AppUnderTest } from './support/app';
import { writeHubModel } from './support/hubModel';
const CONFIG = {
  model_type: 'bart', vocab_size: 600, d_model: 16, encoder_layers: 1, decoder_layers: 1,
  encoder_attention_heads: 2, decoder_attention_heads: 2, encoder_ffn_dim: 32, decoder_ffn_dim: 32, max_position_embeddings: 128,
};
const P = 4;
const D_I = 3;
const HIDDEN = 8;
const TASKS = [
  ['glue-sst2', 'cls/sentiment analysis'], ['amazon_polarity', 'cls/sentiment analysis'], ['superglue-rte', 'cls/nli'],
  ['glue-mnli', 'cls/nli'], ['xsum', 'cg/summarization'], ['samsum', 'cg/summarization'],
] as const;

/** Deterministic floats in [-scale, scale) so the test never depends on Math.random. */
function randoms(n: number, seed: number, scale = 0.3): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (next() * 2 - 1) * scale);
}

describe('Explore screen (built app in Chromium)', () => {
  let work: string;
  let bundlePath: string;
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'intrinsic-lab-ui-explore-'));
    writeHubModel(join(work, 'hub'), 'tiny/bart', CONFIG, 3);

    const d = CONFIG.d_model;
    const weights: ProjectorWeights = {
      W2: { shape: [HIDDEN, D_I], data: randoms(HIDDEN * D_I, 1) },
      b2: { shape: [HIDDEN], data: randoms(HIDDEN, 2) },
      W3: { shape: [P * d, HIDDEN], data: randoms(P * d * HIDDEN, 3) },
      b3: { shape: [P * d], data: randoms(P * d, 4) },
    };
    const bundle = encodeProjectorBundle({
      identity: await modelIdentity('hub:tiny/bart', CONFIG), promptLength: P, weights, seed: 7,
      tasks: TASKS.map(([name, category], i) => ({ name, category, vector: randoms(D_I, 10 + i, 1) })),
    });
    mkdirSync(join(work, 'bundles'));
    bundlePath = join(work, 'bundles', 'tiny.projector.safetensors');
    writeFileSync(bundlePath, bundle);
    writeFileSync(join(work, 'bundles', 'broken.safetensors'), bundle.subarray(0, bundle.length - 10));
    // The same tensors, labelled as made for another model of the same width.
    writeFileSync(join(work, 'bundles', 'other.projector.safetensors'), encodeProjectorBundle({
      identity: await modelIdentity('hub:other/bart', CONFIG), promptLength: P, weights, seed: 7,
      tasks: TASKS.map(([name, category], i) => ({ name, category, vector: randoms(D_I, 10 + i, 1) })),
    }));
    app = await launchApp({ mounts: { '/hub': join(work, 'hub'), '/bundles': join(work, 'bundles') } });
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function mapLabels(p: Page): Promise<{ label: string; name: string }[]> {
    await p.waitForFunction(() => Number(document.querySelector('[data-testid="explore-map"]')?.getAttribute('data-drawn')) > 0, null, { timeout: 60_000 });
    return p.evaluate(() => {
      const el = document.querySelector('[data-testid="explore-map"] .plot') as unknown as { data: { name: string; text: string[] }[] };
      return el.data.flatMap((t) => t.text.map((label) => ({ label, name: t.name })));
    });
  }

  it('opens a bundle file: metadata, and a map of its training tasks by category', async () => {
    await app.open('explore');
    await page.setInputFiles('[data-testid="projector-file"]', bundlePath);
    await page.waitForSelector('[data-testid="projector-info"]');
    expect(await page.textContent('[data-testid="projector-dim"]')).toBe(String(D_I));
    expect(await page.textContent('[data-testid="projector-info"]')).toContain('hub:tiny/bart');
    const points = await mapLabels(page);
    expect(points.map((p) => p.label).sort()).toEqual(TASKS.map(([n]) => n).sort());
    for (const [name, category] of TASKS) expect(points.find((p) => p.label === name)!.name).toBe(`${category} (train)`);
  });

  it('refuses a damaged bundle with the artifact error', async () => {
    await page.setInputFiles('[data-testid="projector-file"]', join(work, 'bundles', 'broken.safetensors'));
    await expect.poll(() => page.textContent('[data-testid="projector-error"]')).toMatch(/Could not open broken\.safetensors: .*\((truncated|corrupt)\)/);
  });

  it('tunes a vector for typed examples through the frozen Proj_b; it joins the map; the walk decodes outputs', async () => {
    await app.loadHubModel('tiny/bart');
    await page.getByRole('link', { name: 'Explore', exact: true }).click();
    await page.setInputFiles('[data-testid="projector-file"]', bundlePath);
    await page.waitForSelector('[data-testid="projector-info"]');
    await page.getByLabel('Task name').fill('mine');
    await page.getByLabel('Steps').fill('5');
    await page.getByLabel(/^Examples, one per line/).fill(['good film\tpositive', 'bad film\tnegative', 'great day\tpositive', 'awful day\tnegative'].join('\n'));
    await page.getByRole('button', { name: 'Tune' }).click();
    await expect.poll(() => page.textContent('[data-testid="tune-status"]'), { timeout: 120_000 }).toMatch(/^Done: 5 steps/);
    const points = await mapLabels(page);
    expect(points.find((p) => p.label === 'mine')?.name).toBe('yours (yours)');

    await page.getByLabel('Sample inputs (one per line)').fill('good film\nbad day');
    await page.getByLabel(/^Direction 1/).fill('1.5');
    await expect.poll(() => page.textContent('[data-testid="walk-status"]'), { timeout: 60_000 }).toMatch(/^Outputs for this point/);
    expect(await page.locator('[data-testid="walk-outputs"] li').count()).toBe(2);
    await page.screenshot({ path: join(RESULTS, 'ui-explore.png'), fullPage: true });
  });

  it('a projector made for another model is refused naming both, until "Use it anyway"', async () => {
    await page.setInputFiles('[data-testid="projector-file"]', join(work, 'bundles', 'other.projector.safetensors'));
    await expect.poll(() => page.textContent('[data-testid="projector-info"]')).toContain('hub:other/bart');
    await page.getByLabel('Steps').fill('2');
    await page.getByRole('button', { name: 'Tune' }).click();
    const warning = page.locator('[data-testid="model-mismatch"]');
    await expect.poll(() => warning.textContent(), { timeout: 60_000 }).toContain('made for model "hub:other/bart", but "hub:tiny/bart" is loaded');
    expect(await page.textContent('[data-testid="tune-status"]')).toMatch(/^Failed: /);
    await page.getByRole('button', { name: 'Use it anyway' }).click();
    await expect.poll(() => page.textContent('[data-testid="tune-status"]'), { timeout: 120_000 }).toMatch(/^Done: 2 steps/);
    expect(await warning.count()).toBe(0);
  });

  it('opens a share link: the projector comes from its URL and the shared vector is plotted', async () => {
    const projectorUrl = `${app.server.url}/bundles/tiny.projector.safetensors`;
    const link = encodeShareLink(`${app.server.url}/`, { projectorUrl, vector: Float32Array.from([0.5, -0.25, 1]), task: 'shared-task' }).replace('#il=', '#/explore?il=');
    const fresh = await app.newPage();
    await fresh.goto(link);
    const points = await mapLabels(fresh);
    expect(points.map((p) => p.label)).toContain('shared-task');
    expect(points).toHaveLength(TASKS.length + 1);
    await fresh.close();
    expect(app.pageErrors).toEqual([]);
  });
});
