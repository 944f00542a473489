// The app's headers (public/_headers): `npm start`'s server (vite preview) and the tests' server
// send the same Content-Security-Policy besides COOP/COEP, and under it the app still does what
// needs the most: threaded wasm (wasm-unsafe-eval, pthreads from blob: URLs), the embedded model, the
// self-test, a Plotly chart and its PNG export, with no CSP violation and no console error.
// Run after `npx vite build` (APP_DIST=<folder> for another build output).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_MODEL } from '../../src/shared/embedded';
import { appHeaders } from '../../src/node/headers';
import { DIST, launchApp, ROOT, type AppUnderTest } from './support/app';

const HEADERS = appHeaders();
const CSP = HEADERS['Content-Security-Policy']!;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

describe('Content-Security-Policy (built app in Chromium)', () => {
  let app: AppUnderTest;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    app = await launchApp();
    app.page.on('console', (m) => void (m.type() === 'error' && consoleErrors.push(m.text())));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('is one policy that allows only what the app needs', () => {
    const directives = new Map(CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'", 'blob:']);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'", 'https:', 'http://localhost:*', 'http://127.0.0.1:*']);
    expect(HEADERS).toMatchObject({ 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    // The static-host copy is the same file, shipped in the build.
    expect(readFileSync(join(DIST, '_headers'), 'utf8')).toBe(readFileSync(join(ROOT, 'public/_headers'), 'utf8'));
  });

  it("`npm start`'s preview server sends the policy and COOP/COEP", async () => {
    const port = await freePort();
    const vite = spawn(join(ROOT, 'node_modules/.bin/vite'), ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', DIST], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      // Ready once it prints its address. Colour codes go first: with CI set, vite colours the port
      // even into a pipe, and the address never matched (the test waited until its timeout).
      await new Promise<void>((ok, fail) => {
        let out = '';
        vite.stdout.on('data', (d: Buffer) => void ((out += d.toString().replace(/\x1b\[[0-9;]*m/g, '')), out.includes(`:${port}`) && ok()));
        vite.on('exit', (code) => fail(new Error(`vite preview exited (${code}): ${out}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(res.status).toBe(200);
      for (const [name, value] of Object.entries(HEADERS)) expect(res.headers.get(name), name).toBe(value);
    } finally {
      vite.kill();
    }
  });

  it('the app runs under it: threaded wasm, the embedded model, the self-test, a chart and its PNG', async () => {
    const { page } = app;
    const res = await page.goto(`${app.server.url}/#/about`);
    expect(res?.headers()['content-security-policy']).toBe(CSP);
    await page.waitForSelector('[data-testid="backend"][data-status="ready"][data-backend="wasm"]', { timeout: 120_000 });
    expect(await page.textContent('[data-testid="backend"]')).toContain('wasm (threaded SIMD)');
    await page.getByRole('button', { name: 'Run self-test' }).click();
    await page.waitForSelector('[data-testid="self-test-status"]:has-text("Passed on wasm")', { timeout: 120_000 });

    expect(existsSync(join(DIST, 'models', EMBEDDED_MODEL, 'config.json')), 'the embedded model is in the build').toBe(true);
    await app.open('model');
    await page.getByLabel(/Embedded default/).check();
    await page.getByRole('button', { name: 'Load model' }).click();
    await page.waitForSelector('[data-testid="model-status"][data-status="ready"]', { timeout: 120_000 });

    await app.open('results');
    await page.setInputFiles('[data-testid="results-file"]', join(ROOT, 'test/fixtures/results/small-study.results.json'));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="erel-chart"]')?.getAttribute('data-drawn')) > 0, null, { timeout: 60_000 });
    const [png] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="erel-chart"]').getByRole('button', { name: 'Save PNG' }).click()]);
    expect([...readFileSync((await png.path())!).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);

    expect(app.pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
