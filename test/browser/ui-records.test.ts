// Study records that went bad, in Chromium on the built app: a malformed registry record in
// IndexedDB ("intrinsic-lab-runs") is listed on the Run screen as damaged, with what is wrong and a
// Delete button, next to the intact unfinished study it used to hide (the screen threw a TypeError).
// Run after `npx vite build` (APP_DIST=<folder> for another build).
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp, type AppUnderTest } from './support/app';

/** Writes registry records the way IdbRunStore stores them (a header, and an empty tensors entry). */
async function writeRegistry(page: Page, records: Record<string, unknown>): Promise<void> {
  await page.evaluate((recs) => new Promise<void>((resolve, reject) => {
    const open = indexedDB.open('intrinsic-lab-runs', 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore('headers', { keyPath: 'key' });
      open.result.createObjectStore('tensors', { keyPath: 'key' });
    };
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(['headers', 'tensors'], 'readwrite');
      for (const [id, meta] of Object.entries(recs)) {
        const key = `study/${id}`;
        tx.objectStore('headers').put({ key, kind: 'study', step: 0, savedAt: '2026-12-01T00:00:00.000Z', meta });
        tx.objectStore('tensors').put({ key, tensors: {} });
      }
      tx.oncomplete = () => (db.close(), resolve());
      tx.onerror = () => reject(tx.error);
    };
  }), records);
}

describe('damaged study records (built app in Chromium)', () => {
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    app = await launchApp();
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('lists a malformed record as damaged among the others, and deletes it', async () => {
    await app.open('about');
    const spec = {
      name: 'intact study', model: 'hub:tiny/bart', tasks: { train: ['sentiment-double-goodbad'], test: [] }, dataSeed: 100, diffSeed: 13,
      intrinsicDims: [], seeds: [1], preset: 'smoke',
    };
    await writeRegistry(page, {
      'intact-1': { spec, status: 'paused', createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z', unitsDone: 0, unitsTotal: 1 },
      // What a half-migrated or hand-edited record may look like: a status, no spec, no dates.
      'broken-1': { status: 'running', unitsDone: 'three' },
    });
    await app.open('run');
    const damaged = page.locator('[data-testid="damaged-study"]');
    await damaged.waitFor({ timeout: 60_000 });
    expect(await damaged.getAttribute('data-id')).toBe('broken-1');
    expect(await damaged.textContent()).toMatch(/Study broken-1 is damaged and cannot be resumed: createdAt must be a date string/);
    const intact = page.locator('[data-testid="unfinished-study"]');
    expect(await intact.count()).toBe(1);
    expect(await intact.textContent()).toContain('“intact study” — paused');
    expect(await intact.getByRole('button', { name: /^Forget/ }).getAttribute('title')).toMatch(/Delete this study and everything it computed/);

    await damaged.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => damaged.count(), { timeout: 30_000 }).toBe(0);
    expect(await intact.count()).toBe(1);
    // Gone for good: a reload lists only the intact study.
    await page.reload();
    await intact.waitFor({ timeout: 60_000 });
    expect(await damaged.count()).toBe(0);
    expect(app.pageErrors).toEqual([]);
  });
});
