// The Explore screen in Chromium on the built app: a projector bundle made here (random weights
// of a tiny model's shape, 6 training tasks in 3 categories) opens from a file with its metadata
// and its PCA map; a damaged file is refused with the artifact error; with the tiny model loaded,
// a vector is tuned on typed examples (its point joins the map) and the subspace walk decodes
// outputs; a bundle made for another model is refused until "Use it anyway"; a share link
// (#/explore?il=...) asks before it fetches anything (Cancel fetches
// nothing), then opens the projector from its URL and plots the vector; downloads show their host
// and size and cancel; an over-cap Content-Length and first bytes that cannot start a bundle stop
// the download at once (the server sees the client hang up long before the end).
// Run after `npx vite build` (APP_DIST=<folder> for another build output).
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeProjectorBundle, encodeShareLink, modelIdentity, type ProjectorWeights } from '../../src/shared/artifacts/index';
import { mulberry32 } from '../../src/shared/random';
import { formatBytes } from '../../src/ui/components/format';
import { launchApp, RESULTS, type AppUnderTest } from './support/app';
import type { RouteHandler } from './support/server';
import { TINY_BART_CONFIG as CONFIG, writeHubModel } from './support/hubModel';
import { EMBEDDED_PROJECTOR } from '../../src/shared/embedded';
const P = 4;
const D_I = 3;
const HIDDEN = 8;
const TASKS = [
  ['glue-sst2', 'cls/sentiment analysis'], ['amazon_polarity', 'cls/sentiment analysis'], ['superglue-rte', 'cls/nli'],
  ['glue-mnli', 'cls/nli'], ['xsum', 'cg/summarization'], ['samsum', 'cg/summarization'],
] as const;

/**
 * A generated answer of `total` bytes (Content-Length) without a file on disk: `first`, then zeros,
 * sent as fast as the client reads, or (stall) only the first chunk until the client gives up.
 * `state` says how much was handed to the socket and whether the client hung up before the end.
 */
function generated(total: number, first: Uint8Array, opts: { stall?: boolean } = {}) {
  const state = { requests: 0, sent: 0, hungUp: false };
  const zeros = new Uint8Array(64 * 1024);
  const handler: RouteHandler = (_req, res) => {
    state.requests++;
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(total) });
    res.on('close', () => void (state.hungUp = !res.writableFinished));
    const pump = () => {
      while (!res.destroyed && state.sent < total) {
        const part = state.sent === 0 ? first : zeros.subarray(0, Math.min(zeros.length, total - state.sent));
        state.sent += part.length;
        const more = res.write(part);
        if (opts.stall) return;
        if (!more) return void res.once('drain', pump);
      }
      if (state.sent >= total) res.end();
    };
    pump();
  };
  return { handler, state };
}

/** The first bytes of a safetensors file whose header claims `headerLen` bytes. */
function safetensorsStart(headerLen: number): Uint8Array {
  const b = new Uint8Array(64 * 1024);
  new DataView(b.buffer).setBigUint64(0, BigInt(headerLen), true);
  b[8] = 0x7b;
  return b;
}

const MB = 1_000_000;
const huge = generated(600 * MB, safetensorsStart(100));
const zeros = generated(400 * MB, new Uint8Array(64 * 1024));
const slow = generated(300 * MB, safetensorsStart(100), { stall: true });

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
    app = await launchApp({
      mounts: { '/hub': join(work, 'hub'), '/bundles': join(work, 'bundles') },
      routes: {
        '/gen/huge.safetensors': huge.handler, '/gen/zeros.safetensors': zeros.handler, '/gen/slow.safetensors': slow.handler,
        // A build without the shipped projector (ui-explore-shipped.test.ts serves one): these tests open their own bundles.
        [`/${EMBEDDED_PROJECTOR.path}`]: (_req, res) => void res.writeHead(404).end(),
      },
    });
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

  it('says so when the build ships no projector, and opens a bundle file: metadata, and a map of its training tasks by category', async () => {
    await app.open('explore');
    await expect.poll(() => page.textContent('[data-testid="default-note"]')).toMatch(/^This build ships no usable projector \(.*server answered 404.*\); open a bundle file or URL\.$/);
    expect(await page.locator('[data-testid="projector-error"]').count()).toBe(0);
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
    await page.getByLabel('Input 1').fill('good film');
    await page.getByLabel('Output 1').fill('positive');
    await page.getByLabel('Output 1').press('Enter');
    await page.getByLabel('Input 2').fill('bad film');
    await page.getByLabel('Output 2').fill('negative');
    await page.getByLabel('Output 2').press('Enter');
    await page.getByLabel('Input 3').fill('great day');
    await page.getByLabel('Output 3').fill('positive');
    await page.getByLabel('Output 3').press('Enter');
    await page.getByLabel('Input 4').fill('awful day');
    await page.getByLabel('Output 4').fill('negative');
    await page.getByRole('button', { name: 'Tune' }).click();
    await expect.poll(() => page.textContent('[data-testid="tune-status"]'), { timeout: 120_000 }).toMatch(/^Done: 5 steps/);
    const points = await mapLabels(page);
    expect(points.find((p) => p.label === 'mine')?.name).toBe('your task');

    await page.getByLabel('Sample inputs (one per line)').fill('good film\nbad day');
    await page.getByLabel(/^Direction 1/).fill('1.5');
    await expect.poll(() => page.textContent('[data-testid="walk-status"]'), { timeout: 60_000 }).toMatch(/^Outputs for this point/);
    expect(await page.locator('[data-testid="walk-outputs"] li').count()).toBe(2);
    await page.screenshot({ path: join(RESULTS, 'ui-explore.png'), fullPage: true });

    // Nothing tuned is lost: the vector goes to the Library with its projector, and opens on the map again from there.
    const tuned = await page.evaluate(() => {
      const el = document.querySelector('[data-testid="explore-map"] .plot') as unknown as { data: { name: string; x: number[]; y: number[] }[] };
      const t = el.data.find((d) => d.name === 'your task')!;
      return [t.x[0], t.y[0]];
    });
    await page.getByTestId('save-vector').click();
    await expect.poll(() => page.textContent('[data-testid="save-note"]')).toBe('Saved to the Library as "mine (tuned in Explore)", with its projector.');
    expect(await page.getByTestId('save-vector').isDisabled()).toBe(true);
    await page.getByRole('link', { name: 'Open the Library' }).click();
    await page.getByRole('link', { name: 'Open mine (tuned in Explore) in Explore' }).click();
    await expect.poll(async () => (await mapLabels(page)).find((p) => p.label === 'mine')?.name, { timeout: 60_000 }).toBe('your task');
    const reopened = await page.evaluate(() => {
      const el = document.querySelector('[data-testid="explore-map"] .plot') as unknown as { data: { name: string; x: number[]; y: number[] }[] };
      const t = el.data.find((d) => d.name === 'your task')!;
      return [t.x[0], t.y[0]];
    });
    expect(reopened[0]).toBeCloseTo(tuned[0]!, 5);
    expect(reopened[1]).toBeCloseTo(tuned[1]!, 5);
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

  it('asks before fetching a share link\'s projector: only its size (a HEAD) is asked before the yes, Cancel downloads nothing, Fetch opens it', async () => {
    const path = '/bundles/tiny.projector.safetensors';
    const host = new URL(app.server.url).host;
    const size = statSync(join(work, 'bundles', 'tiny.projector.safetensors')).size;
    const link = encodeShareLink(`${app.server.url}/`, { projectorUrl: `${app.server.url}${path}`, vector: Float32Array.from([0.5, -0.25, 1]), task: 'shared-task' }).replace('#il=', '#/explore?il=');
    // Every request for the bundle so far was a HEAD: nothing was downloaded.
    const downloads = () => (app.server.hits.get(path) ?? 0) - (app.server.heads.get(path) ?? 0);
    const fresh = await app.newPage();
    await fresh.goto(link);
    const prompt = fresh.getByTestId('share-confirm');
    await prompt.waitFor();
    await expect.poll(() => prompt.locator('#share-confirm-title').textContent()).toBe(`Fetch projector from ${host} (${formatBytes(size)})?`);
    expect(await prompt.textContent()).toContain(`${app.server.url}${path}`);
    expect(await prompt.textContent()).toContain('Downloads stop at 537 MB');
    expect(app.server.heads.get(path)).toBe(1);
    expect(downloads()).toBe(0);

    await prompt.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => fresh.textContent('[data-testid="share-note"]')).toBe(`Nothing was downloaded from ${host}.`);
    expect(await prompt.count()).toBe(0);
    expect(await fresh.locator('[data-testid="projector-info"]').count()).toBe(0);
    expect(downloads()).toBe(0);

    await fresh.reload();
    await prompt.waitFor();
    expect(downloads()).toBe(0);
    await prompt.getByRole('button', { name: 'Fetch' }).click();
    const points = await mapLabels(fresh);
    expect(points.map((p) => p.label)).toContain('shared-task');
    expect(points).toHaveLength(TASKS.length + 1);
    expect(downloads()).toBe(1);
    await fresh.close();
    expect(app.pageErrors).toEqual([]);
  });

  it('refuses a share link whose projector is not https (or http on this machine), naming the rule, without a request', async () => {
    const link = `${app.server.url}/#/explore?il=1&p=${encodeURIComponent('http://192.0.2.1/p.safetensors')}&z=AAAAPw`;
    const fresh = await app.newPage();
    await fresh.goto(link);
    await expect.poll(() => fresh.textContent('[data-testid="projector-error"]')).toBe(
      'The share link could not be opened: projector URL: only https URLs are fetched (plain http only from localhost, 127.0.0.1 or [::1], for development); got http://192.0.2.1 (bad-share-link)',
    );
    expect(await fresh.getByTestId('share-confirm').count()).toBe(0);
    await fresh.close();
  });

  async function openTyped(url: string): Promise<void> {
    await app.open('explore');
    await page.getByLabel('or URL').fill(url);
    await page.getByRole('button', { name: 'Load', exact: true }).click();
  }

  it('shows a download\'s host and size as it streams, and Cancel stops it', async () => {
    await openTyped(`${app.server.url}/gen/slow.safetensors`);
    const progress = page.getByTestId('projector-progress');
    await expect.poll(() => progress.textContent()).toContain(`Downloading projector from ${new URL(app.server.url).host} (300 MB)`);
    await expect.poll(() => progress.textContent()).toContain('66 kB of 300 MB');
    await page.getByRole('button', { name: 'Cancel download' }).click();
    await expect.poll(() => page.textContent('[data-testid="projector-error"]')).toBe(`Download of ${app.server.url}/gen/slow.safetensors cancelled; nothing was opened.`);
    await expect.poll(() => slow.state.hungUp).toBe(true);
    expect(await progress.count()).toBe(0);
  });

  it('stops at the cap: a 600 MB Content-Length is refused before the body, and the server sees the client hang up', async () => {
    await openTyped(`${app.server.url}/gen/huge.safetensors`);
    await expect.poll(() => page.textContent('[data-testid="projector-error"]'), { timeout: 60_000 }).toMatch(/the server says it is 600000000 bytes, more than the 536870912 bytes \(512 MiB\) a projector may have; nothing more was downloaded \(too-large\)$/);
    await expect.poll(() => huge.state.hungUp, { timeout: 60_000 }).toBe(true);
    expect(huge.state.requests).toBe(1);
    // What the kernel's buffers took before the hang-up, not the 600 MB.
    expect(huge.state.sent).toBeLessThan(64 * MB);
  });

  it('stops at the first bytes when they cannot start a bundle (400 MB of zeros)', async () => {
    await openTyped(`${app.server.url}/gen/zeros.safetensors`);
    await expect.poll(() => page.textContent('[data-testid="projector-error"]'), { timeout: 60_000 }).toMatch(/the header does not start with "\{": not a safetensors file \(corrupt\)$/);
    await expect.poll(() => zeros.state.hungUp, { timeout: 60_000 }).toBe(true);
    expect(zeros.state.sent).toBeLessThan(64 * MB);
    expect(app.pageErrors).toEqual([]);
  });
});
