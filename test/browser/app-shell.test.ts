// The app shell in Chromium: the built bundle keeps TF.js out of the page, the page reports the
// backend the worker chose (and why), the override select re-initialises the worker and persists,
// and the navigation works from the keyboard. Run after `npx vite build`.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../src/bridge/engineClient';
import { DIST, launchApp, RESULTS, type AppUnderTest } from './support/app';
// A string tfjs-core always contains (its flag prefix), so "absent" means TF.js is absent.
const TFJS_MARKER = 'tfjsflags';

/** The JS a page loads before anything runs lazily: index.html's scripts and their static imports. */
function eagerChunks(): string[] {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const queue = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/?([^"]+\.js)"/g)].map((m) => m[1]!);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(DIST, file), 'utf8');
    // Static `import ... from "./x.js"` and `import "./x.js"`; dynamic import("./x.js") is lazy.
    for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*["'`]\.\/([^"'`]+\.js)["'`]/g)) {
      queue.push(join(dirname(file), m[1]!));
    }
  }
  return [...seen];
}

describe('app shell (built app in Chromium)', () => {
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    app = await launchApp();
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
  });

  async function waitForBackend(page: Page, backend: string): Promise<void> {
    await page.waitForSelector(`[data-testid="backend"][data-status="ready"][data-backend="${backend}"]`, {
      timeout: 120_000,
    });
  }

  it('keeps TF.js out of the page bundle: only the engine worker chunk contains it', () => {
    const eager = eagerChunks();
    expect(eager.length).toBeGreaterThan(0);
    for (const file of eager) {
      const code = readFileSync(join(DIST, file), 'utf8');
      expect(code, file).not.toContain(TFJS_MARKER);
      expect(code, file).not.toContain('@tensorflow');
    }
    const assets = readdirSync(join(DIST, 'assets'));
    const workers = assets.filter((name) => /^engine\.worker-.*\.js$/.test(name));
    expect(workers).toHaveLength(1);
    expect(readFileSync(join(DIST, 'assets', workers[0]!), 'utf8')).toContain(TFJS_MARKER);
    // The three wasm builds are emitted as assets for setWasmPaths.
    for (const build of ['tfjs-backend-wasm-', 'tfjs-backend-wasm-simd-', 'tfjs-backend-wasm-threaded-simd-']) {
      expect(assets.some((name) => name.startsWith(build) && name.endsWith('.wasm')), build).toBe(true);
    }
  });

  it('reports the backend, the adapter kind and why: a software adapter here, so auto picks threaded wasm', async () => {
    await app.open('');
    // The shell paints before the engine answers.
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Intrinsic Lab');
    await waitForBackend(page, 'wasm');
    const adapterKind = await page.getAttribute('[data-testid="adapter"]', 'data-kind');
    expect(adapterKind).toBe('fallback');
    expect(await page.textContent('[data-testid="adapter"]')).toContain('software fallback');
    expect(await page.getAttribute('[data-testid="isolated"]', 'data-value')).toBe('true');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const reason = await page.textContent('[data-testid="backend-reason"]');
    expect(reason).toMatch(/software fallback/);
    expect(await page.textContent('[data-testid="adapter"]')).toMatch(/swiftshader/i);
    // The threaded SIMD build runs; tfjs-backend-wasm caps XNNPACK at min(8, cores / 2) threads.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    const threads = Math.max(1, Math.min(8, Math.floor(cores / 2)));
    expect(await page.textContent('[data-testid="backend"]')).toContain(`wasm (threaded SIMD) · ${threads} thread`);
    const info = await page.evaluate(() => {
      const { engine } = (globalThis as unknown as { intrinsicLab: { engine: EngineClient } }).intrinsicLab;
      return engine.init({ backend: 'auto' });
    });
    expect(info).toMatchObject({
      backend: 'wasm',
      requested: 'auto',
      threads,
      wasmBuild: 'threaded-simd',
      crossOriginIsolated: true,
    });
    expect(info.adapter.kind).toBe('fallback');
    await page.screenshot({ path: join(RESULTS, 'app-shell.png'), fullPage: true });
  });

  it('overrides the backend from the select: the worker re-initialises on WebGPU and the choice persists', async () => {
    await app.open('');
    await waitForBackend(page, 'wasm');
    const select = page.getByLabel('Backend', { exact: true });
    await select.selectOption('webgpu');
    await waitForBackend(page, 'webgpu');
    expect(await page.textContent('[data-testid="backend-reason"]')).toContain('chosen by the user');
    expect(await page.evaluate(() => localStorage.getItem('intrinsic-lab.backend'))).toBe('webgpu');
    // The worker really computes on WebGPU, and correctly (SwiftShader reads are checked).
    const result = await page.evaluate(() => {
      const { engine } = (globalThis as unknown as { intrinsicLab: { engine: EngineClient } }).intrinsicLab;
      return engine.selfTest({ steps: 2, size: 16 });
    });
    expect(result.backend).toBe('webgpu');
    expect(result.maxAbsErr).toBeLessThan(1e-4);

    await page.reload();
    await waitForBackend(page, 'webgpu');
    expect(await page.getByLabel('Backend', { exact: true }).inputValue()).toBe('webgpu');

    // A backend change made by anyone else (another screen, this test) shows in the badge too.
    await page.evaluate(() => {
      const { engine } = (globalThis as unknown as { intrinsicLab: { engine: EngineClient } }).intrinsicLab;
      return engine.init({ backend: 'cpu' });
    });
    await waitForBackend(page, 'cpu');

    await page.getByLabel('Backend', { exact: true }).selectOption('auto');
    await waitForBackend(page, 'wasm');
    expect(await page.evaluate(() => localStorage.getItem('intrinsic-lab.backend'))).toBeNull();
  });

  it('navigates between screens with the keyboard and marks the current one', async () => {
    await app.open('model');
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Model');
    const nav = page.getByRole('navigation', { name: 'Screens' });
    const names = await nav.getByRole('link').allTextContents();
    expect(names).toEqual(['Start', 'Model', 'Tasks', 'Run', 'Results', 'Library', 'Explore', 'About']);
    // Tab from the select reaches the navigation; Enter follows the link.
    await page.getByLabel('Backend', { exact: true }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Start');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Model');
    // Keyboard focus is visible (the :focus-visible outline).
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement!);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    expect(outline.style).not.toBe('none');
    expect(outline.width).toBeGreaterThanOrEqual(2);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#/tasks');
    // The hash changes before Svelte re-renders the screen: wait for the render, not just the URL.
    await expect.poll(() => page.getByRole('heading', { level: 2 }).textContent()).toBe('Tasks');
    expect(await nav.getByRole('link', { name: 'Tasks' }).getAttribute('aria-current')).toBe('page');
    expect(await nav.getByRole('link', { name: 'Model' }).getAttribute('aria-current')).toBeNull();
    // Focus moved to the screen's content for keyboard and screen reader users.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('runs the self-test from the About screen, with no page errors', async () => {
    await app.open('about');
    await waitForBackend(page, 'wasm');
    await page.getByRole('button', { name: 'Run self-test' }).click();
    await page.waitForSelector('[data-testid="self-test-status"]:has-text("Passed on wasm")', { timeout: 60_000 });
    expect(app.pageErrors).toEqual([]);
  });
});
