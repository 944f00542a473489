// Explore as a newcomer meets it, in Chromium on the built app: a fresh profile opens #/explore and
// the projector shipped with the app is open (a generated bundle of its shape is served at its
// path, so the test does not depend on the trained weights), with its 118 training tasks labelled
// by category and family; the built-in model loads by itself; eight examples are typed as rows with
// the keyboard alone; tuning puts the point on the map and lists the nearest training tasks; the
// share link names the shipped projector by id, and a fresh browser profile opens it at the same
// point without asking anything. A projector and a vector stored in the Library open by their ids
// (#/explore?artifact=...&vector=...). Pastes and files of TSV/CSV become rows. While a study holds the
// engine, "Try the model" and Explore's tuning say they wait behind it, and both answers are there
// after a visit elsewhere.
// Run after `npx vite build` (APP_DIST=<folder> for another build output).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeShareLink } from '../../src/shared/artifacts/shareLink';
import { EMBEDDED_PROJECTOR } from '../../src/shared/embedded';
import { nearestTasks } from '../../src/ui/screens/explore/nearest';
import { decodeProjectorBundle } from '../../src/shared/artifacts/projector';
import { encodeIntrinsicVectorFile } from '../../src/shared/artifacts/prompt';
import { launchApp, RESULTS, type AppUnderTest } from './support/app';
import { launchChromium } from './support/chromium';
import { SHIPPED, shippedProjectorBundle, shippedTasks } from './support/embeddedProjector';
import { builtinSplits, builtinTasks } from '../../src/shared/tasks/world/index';
import type { RouteHandler } from './support/server';

const EXAMPLES: [string, string][] = [
  ['the film was very lovely .', 'positive'], ['the film was so dull .', 'negative'],
  ['a really superb book .', 'positive'], ['a quite boring book .', 'negative'],
  ['the soup was nice .', 'positive'], ['the soup was nasty .', 'negative'],
  ['what a wonderful day .', 'positive'], ['what a horrible day .', 'negative'],
];

interface MapPoint { label: string; name: string; family: string | undefined; x: number; y: number }

async function mapPoints(p: Page, count: number): Promise<MapPoint[]> {
  await p.waitForFunction((n) => Number(document.querySelector('[data-testid="explore-map"]')?.getAttribute('data-points')) === n
    && Number(document.querySelector('[data-testid="explore-map"]')?.getAttribute('data-drawn')) > 0, count, { timeout: 60_000 });
  return p.evaluate(() => {
    const el = document.querySelector('[data-testid="explore-map"] .plot') as unknown as { data: { name: string; text: string[]; hovertext?: string[]; x: number[]; y: number[] }[] };
    return el.data.flatMap((t) => t.text.map((label, i) => ({ label, name: t.name, family: t.hovertext?.[i], x: t.x[i]!, y: t.y[i]! })));
  });
}

async function focusedLabel(p: Page): Promise<string | null> {
  return p.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? null);
}

describe('Explore on first open: the shipped projector (built app in Chromium)', () => {
  let bundle: Uint8Array;
  let app: AppUnderTest;
  let page: Page;
  const tasks = shippedTasks();

  beforeAll(async () => {
    bundle = await shippedProjectorBundle(3);
    const serve: RouteHandler = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bundle.length) });
      res.end(req.method === 'HEAD' ? undefined : Buffer.from(bundle));
    };
    app = await launchApp({ routes: { [`/${EMBEDDED_PROJECTOR.path}`]: serve } });
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('opens on the shipped projector, tunes eight examples typed as rows, lists the nearest tasks, and a fresh profile opens the share link at the same point', async () => {
    await app.open('explore');
    await expect.poll(() => page.textContent('[data-testid="projector-origin"]'), { timeout: 60_000 }).toContain(EMBEDDED_PROJECTOR.id);
    expect(await page.textContent('[data-testid="projector-dim"]')).toBe(String(SHIPPED.intrinsicDim));
    expect(await page.getByTestId('share-confirm').count()).toBe(0);
    const points = await mapPoints(page, tasks.length);
    expect(points).toHaveLength(118);
    for (const t of tasks) expect(points.find((p) => p.label === t.name), t.name).toMatchObject({ name: `${t.category} (train)`, family: t.family });
    expect(await page.textContent('[data-testid="map-how"]')).toContain('How to read this map.');

    // Only the keyboard: type, Tab to the output, type, Enter for the next row.
    await page.getByLabel('Task name').fill('mine');
    await page.getByLabel('Steps').fill('6');
    // Tune waits for two examples (one to tune on, one to check).
    expect(await page.getByRole('button', { name: 'Tune' }).isDisabled()).toBe(true);
    expect(await page.textContent('[data-testid="tune-needs"]')).toContain('at least two examples');
    await page.getByLabel('Input 1').focus();
    for (const [i, [input, output]] of EXAMPLES.entries()) {
      expect(await focusedLabel(page)).toBe(`Input ${i + 1}`);
      await page.keyboard.type(input);
      await page.keyboard.press('Tab');
      expect(await focusedLabel(page)).toBe(`Output ${i + 1}`);
      await page.keyboard.type(output);
      if (i < EXAMPLES.length - 1) await page.keyboard.press('Enter');
    }
    expect(await page.locator('[data-testid="example-row"]').count()).toBe(8);
    expect(await page.textContent('[data-testid="examples-count"]')).toBe('8 examples');
    // The built-in model loaded by itself (same origin, it ships with the app).
    await expect.poll(() => page.locator('[data-testid="tune-model-status"]').count(), { timeout: 120_000 }).toBe(0);
    // From the keyboard: Enter on Tune; while it runs focus waits on Cancel, then comes back to Tune.
    await page.getByRole('button', { name: 'Tune' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('[data-testid="tune-status"]'), { timeout: 180_000 }).toMatch(/^Done: 6 steps\. Dev score [\d.]+ on your last 2 examples, held out from tuning \(so few/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Tune');

    const after = await mapPoints(page, tasks.length + 1);
    const star = after.find((p) => p.label === 'mine')!;
    expect(star.name).toBe('your task');
    const share = await page.inputValue('[data-testid="share-link"]');
    expect(share).toContain(`#/explore?il=1&e=${encodeURIComponent(EMBEDDED_PROJECTOR.id)}&z=`);
    expect(share).not.toContain('&p=');
    // The list: the nearest training tasks to the tuned vector, by Euclidean distance in d_I space.
    const link = decodeShareLink(share, { intrinsicDim: SHIPPED.intrinsicDim });
    const decoded = decodeProjectorBundle(bundle);
    const want = nearestTasks(decoded.modelId, decoded.tasks, link.vector, 8);
    const rows = await page.$$eval('[data-testid="nearest-table"] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td, th')].map((c) => c.textContent?.trim() ?? '')));
    expect(rows.map((r) => r[1])).toEqual(want.map((n) => n.name));
    expect(rows.map((r) => r[2])).toEqual(want.map((n) => n.family));
    expect(rows.map((r) => Number(r[4]))).toEqual(want.map((n) => Number(n.distance.toFixed(3))));
    expect(await page.textContent('[data-testid="nearest"]')).toContain('Euclidean, measured in all 10 dimensions');
    await page.screenshot({ path: join(RESULTS, 'ui-explore-shipped.png'), fullPage: true });

    // A fresh profile (its own browser) opens the link: the shipped projector, no question, the same point.
    const other = await launchChromium();
    try {
      const fresh = await other.context.newPage();
      const errors: string[] = [];
      fresh.on('pageerror', (e) => errors.push(e.message));
      await fresh.goto(share);
      const there = await mapPoints(fresh, tasks.length + 1);
      expect(there.find((p) => p.label === 'mine')).toEqual(star);
      expect(await fresh.inputValue('[data-testid="share-link"]')).toBe(share);
      expect(await fresh.getByTestId('share-confirm').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await other.close();
    }
    expect(app.pageErrors).toEqual([]);
  });

  it('opens a projector stored in the Library, and a stored vector at its point, from #/explore?artifact=<id>&vector=<id>', async () => {
    // The bundle of another seed, so it is not the shipped one; a stored vector tuned through it.
    const stored = await shippedProjectorBundle(5);
    const decoded = decodeProjectorBundle(stored);
    const config = { modelId: decoded.modelId, configSha256: decoded.configSha256, dModel: SHIPPED.dModel };
    const vector = Float32Array.from({ length: SHIPPED.intrinsicDim }, (_, i) => (i % 3) - 1);
    const id = createHash('sha256').update(stored).digest('hex');
    const vectorFile = encodeIntrinsicVectorFile({ identity: config, vector, task: 'stored-task', projectorSha256: id });
    const vectorId = createHash('sha256').update(vectorFile).digest('hex');
    const fresh = await app.newPage();
    try {
      await app.open('model', fresh);
      // What the Library's ArtifactStore writes (src/storage/artifactStore.ts: database, stores, keys), put there as the Library would.
      await fresh.evaluate(async ({ files }) => {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const req = indexedDB.open('intrinsic-lab-artifacts', 1);
          req.onupgradeneeded = () => {
            req.result.createObjectStore('summaries', { keyPath: 'id' }).createIndex('kind', 'kind');
            req.result.createObjectStore('files', { keyPath: 'id' });
          };
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        const tx = db.transaction(['summaries', 'files'], 'readwrite');
        for (const f of files) {
          const bytes = Uint8Array.from(f.bytes);
          tx.objectStore('summaries').put({ id: f.id, kind: f.kind, name: f.kind, modelId: '', configSha256: '', byteLength: bytes.length, storedAt: 0, details: {} });
          tx.objectStore('files').put({ id: f.id, bytes });
        }
        await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
        db.close();
      }, { files: [{ id, kind: 'projector', bytes: [...stored] }, { id: vectorId, kind: 'vector', bytes: [...vectorFile] }] });
      await fresh.goto(`${app.server.url}/#/explore?artifact=${id}&vector=${vectorId}`);
      await expect.poll(() => fresh.textContent('[data-testid="projector-origin"]'), { timeout: 60_000 }).toContain(`a projector from your Library (${id.slice(0, 12)}…)`);
      const points = await mapPoints(fresh, tasks.length + 1);
      expect(points.find((p) => p.label === 'stored-task')?.name).toBe('your task');
      const want = nearestTasks(decoded.modelId, decoded.tasks, vector, 1)[0]!;
      expect(await fresh.textContent('[data-testid="nearest-table"] tbody tr')).toContain(want.name);
      expect(await fresh.textContent('[data-testid="share-unavailable"]')).toContain('opened from your Library');

      // A malformed id is refused naming the parameter, before any read.
      await fresh.goto(`${app.server.url}/#/model`);
      await fresh.goto(`${app.server.url}/#/explore?artifact=nope`);
      await expect.poll(() => fresh.textContent('[data-testid="projector-error"]')).toBe('The link could not be opened: "artifact" must be a stored projector\'s id (64 hex digits), got "nope"');
    } finally {
      await fresh.close();
    }
  });

  it('"Fill in a task it never saw" puts eight rows of a held-out task (good and bad in turn) and its name in the form', async () => {
    const fresh = await app.newPage();
    try {
      await app.open('explore', fresh);
      await fresh.getByTestId('fill-example').click();
      await expect.poll(() => fresh.locator('[data-testid="example-row"]').count()).toBe(8);
      const want = builtinTasks(100).find((t) => t.name === 'sentiment-double-goodbad')!;
      expect(builtinSplits().random.test).toContain(want.name);
      const outputs = await Promise.all(Array.from({ length: 8 }, (_, i) => fresh.inputValue(`[aria-label="Output ${i + 1}"]`)));
      expect(outputs).toEqual(['good', 'bad', 'good', 'bad', 'good', 'bad', 'good', 'bad']);
      const input1 = await fresh.inputValue('[aria-label="Input 1"]');
      expect(want.train.some((e) => e.input === input1 && e.outputs[0] === 'good')).toBe(true);
      expect(await fresh.getByLabel('Task name').inputValue()).toBe('sentiment-double-goodbad');
    } finally {
      await fresh.close();
    }
  });

  it('a pasted TSV or CSV in an input field, or a file, becomes rows; a broken one is refused naming the line', async () => {
    const fresh = await app.newPage();
    try {
      await app.open('explore', fresh);
      await fresh.getByLabel('Input 1').waitFor();
      const paste = (label: string, text: string) => fresh.getByLabel(label).evaluate((el, t) => {
        const data = new DataTransfer();
        data.setData('text/plain', t);
        el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      }, text);
      await paste('Input 1', 'good film\tpositive\nbad film\tnegative\tawful\n');
      await expect.poll(() => fresh.locator('[data-testid="example-row"]').count()).toBe(2);
      expect(await fresh.inputValue('[aria-label="Input 2"]')).toBe('bad film');
      expect(await fresh.inputValue('[aria-label="Output 2"]')).toBe('negative | awful');
      await paste('Input 2', 'input,output\n"great, really",positive\n');
      // The filled row stays; the CSV's one row follows it.
      await expect.poll(() => fresh.locator('[data-testid="example-row"]').count()).toBe(3);
      expect(await fresh.inputValue('[aria-label="Input 3"]')).toBe('great, really');
      await paste('Input 1', 'a\tb\nno tab here\n');
      await expect.poll(() => fresh.textContent('[data-testid="examples-error"]')).toBe('Could not read the pasted table: line 2: expected "input<TAB>output", got "no tab here"');
      await fresh.setInputFiles('[data-testid="examples-file"]', { name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from('x,y\nz,w\n') });
      await expect.poll(() => fresh.locator('[data-testid="example-row"]').count()).toBe(5);
      expect(await fresh.textContent('[data-testid="examples-count"]')).toBe('5 examples');
      await fresh.getByRole('button', { name: 'Remove row 1' }).click();
      expect(await fresh.inputValue('[aria-label="Input 1"]')).toBe('bad film');
      expect(await focusedLabel(fresh)).toBe('Input 1');
    } finally {
      await fresh.close();
    }
  });

  it('while a study holds the engine, "Try the model" and tuning say they wait behind it; their answers are kept across screens', async () => {
    const fresh = await app.newPage();
    const nav = (name: string) => fresh.getByRole('link', { name, exact: true }).click();
    try {
      await app.open('run', fresh);
      await fresh.getByRole('button', { name: 'Load the built-in model' }).click();
      await expect.poll(() => fresh.textContent('[data-testid="run-model"]'), { timeout: 60_000 }).toContain('intrinsic-bart-tiny');
      await fresh.getByLabel(/Quick demo/).check();
      await fresh.getByRole('button', { name: 'Start study' }).click();
      await fresh.waitForSelector('[data-testid="unit-progress"]', { timeout: 120_000 });

      // (The screens' own small requests, the model cache list and the like, queue behind the study too.)
      await nav('Model');
      await fresh.getByRole('button', { name: 'Generate' }).click();
      await expect.poll(() => fresh.textContent('[data-testid="try-output"]')).toMatch(/^\s*Waiting for the running study: \d+ requests? ahead in the queue\./);

      await nav('Explore');
      await fresh.getByLabel('Input 1').fill('good film');
      await fresh.getByLabel('Output 1').fill('positive');
      await fresh.getByLabel('Output 1').press('Enter');
      await fresh.getByLabel('Input 2').fill('bad film');
      await fresh.getByLabel('Output 2').fill('negative');
      await fresh.getByLabel('Steps').fill('2');
      await fresh.getByRole('button', { name: 'Tune' }).click();
      await expect.poll(() => fresh.textContent('[data-testid="tune-status"]')).toMatch(/^Waiting for the running study: \d+ requests ahead in the queue\./);

      // Back on the Model screen the trial still waits; pausing the study lets it through, and its answer is there after a visit elsewhere.
      await nav('Model');
      expect(await fresh.textContent('[data-testid="try-output"]')).toMatch(/Waiting for the running study/);
      await nav('Run');
      await fresh.getByRole('button', { name: 'Pause' }).click();
      await expect.poll(() => fresh.getAttribute('[data-testid="run-status"]', 'data-status'), { timeout: 120_000 }).toBe('paused');
      await nav('Tasks');
      await nav('Model');
      await expect.poll(() => fresh.textContent('[data-testid="try-output"]'), { timeout: 120_000 }).toMatch(/^\s*Output: /);
      // The tuning sent from Explore finished while the user was away; its rows and result are there.
      await nav('Explore');
      await expect.poll(() => fresh.textContent('[data-testid="tune-status"]'), { timeout: 120_000 }).toMatch(/^Done: 2 steps/);
      expect(await fresh.inputValue('[aria-label="Input 2"]')).toBe('bad film');
      expect(await fresh.inputValue('[data-testid="share-link"]')).toContain(`e=${encodeURIComponent(EMBEDDED_PROJECTOR.id)}`);
    } finally {
      await fresh.close();
    }
    expect(app.pageErrors).toEqual([]);
  });
});
