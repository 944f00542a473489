// The page setup every UI browser test shares: check that the app is built, serve it (plus any
// extra folders), launch Chromium, open a page that records its uncaught errors, and open screens
// by waiting for what the user would wait for (the screen's heading), never for a fixed time.
// Run after `npx vite build` (APP_DIST=<folder> for another build output).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedBrowser } from './chromium';
import { serveStatic, type RouteHandler, type StaticServer } from './server';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DIST = resolve(ROOT, process.env.APP_DIST ?? 'dist');
/** Screenshots go here (created by launchApp). */
export const RESULTS = join(ROOT, 'test-results');

export interface AppUnderTest {
  readonly server: StaticServer;
  readonly browser: LaunchedBrowser;
  /** The page the tests drive; more come from newPage(). */
  readonly page: Page;
  /**
   * Uncaught errors of every page opened here, in order, and every Content-Security-Policy
   * violation ("CSP: ..."), so a test that expects none also proves the app runs under the CSP.
   */
  readonly pageErrors: string[];
  /** Opens `#/<screen>` (or the app's start for '') on `page` and waits until the screen is shown. */
  open(screen: string, page?: Page): Promise<void>;
  /**
   * Loads a model served under the "/hub" mount (Hub layout, e.g. written by writeHubModel) through
   * the Model screen, and waits until it is ready.
   */
  loadHubModel(id: string, page?: Page): Promise<void>;
  /** Another page in the same browser profile (its own engine worker), recording its errors too. */
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface LaunchAppOptions {
  /** Extra folders to serve, by URL prefix ("/hub"), next to the app at "/". */
  mounts?: Record<string, string>;
  /** Exact paths answered by a handler (a generated body), before the mounts. */
  routes?: Record<string, RouteHandler>;
  /** Runs in every page before the app (e.g. a PerformanceObserver). */
  initScript?: () => void;
}

/** Waits until the app has painted a screen: its heading is there (the shell paints before the engine starts). */
export async function waitForScreen(page: Page): Promise<void> {
  await page.locator('#screen-title').waitFor({ timeout: 60_000 });
}

/** Goes to `url` (an app URL, with or without a #/screen) and waits until the screen is shown. */
export async function openUrl(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await waitForScreen(page);
}

export async function launchApp(opts: LaunchAppOptions = {}): Promise<AppUnderTest> {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error(`${DIST} has no index.html: run \`npx vite build\` before the browser tests`);
  mkdirSync(RESULTS, { recursive: true });
  const server = await serveStatic({ '/': DIST, ...opts.mounts }, opts.routes);
  const browser = await launchChromium();
  const pageErrors: string[] = [];
  const newPage = async () => {
    const p = await browser.context.newPage();
    p.on('pageerror', (error) => pageErrors.push(error.message));
    // Violations in the page fire this event; a worker's show up as console errors.
    await p.exposeFunction('__intrinsicLabCsp', (text: string) => pageErrors.push(`CSP: ${text}`));
    await p.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { __intrinsicLabCsp(text: string): void }).__intrinsicLabCsp(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline code'} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    p.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(`CSP: ${m.text()}`);
    });
    if (opts.initScript) await p.addInitScript(opts.initScript);
    return p;
  };
  const page = await newPage();
  const open = (screen: string, p = page) => openUrl(p, screen ? `${server.url}/#/${screen}` : server.url);
  return {
    server,
    browser,
    page,
    pageErrors,
    open,
    async loadHubModel(id, p = page) {
      await open('model', p);
      await p.getByLabel('Hugging Face Hub').check();
      await p.getByLabel('Model id').fill(id);
      await p.getByLabel('Hub address').fill(`${server.url}/hub`);
      await p.getByRole('button', { name: 'Load model' }).click();
      await p.waitForSelector('[data-testid="model-status"][data-status="ready"]', { timeout: 120_000 });
    },
    newPage,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
