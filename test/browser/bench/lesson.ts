// A benchmark, not a test: the Start page's live demo (the lesson study, embedded model, d_I 2, 5,
// 10) in Chromium on the built app, from a fresh profile: one press of "Start the live demo" to
// the finished lesson, with the page's own estimate and the machine's load before and after.
// Compare figures only within one sitting.
//   npx vite build && npx tsx test/browser/bench/lesson.ts
import { loadavg } from 'node:os';
import { launchApp } from '../support/app';

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const app = await launchApp();
const page = app.page;
try {
  await app.open('start');
  const before = load();
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Start the live demo' }).click();
  await page.waitForSelector('[data-testid="lesson-estimate"][data-seconds]:not([data-seconds=""])', { timeout: 600_000 });
  const estimate = Number(await page.getAttribute('[data-testid="lesson-estimate"]', 'data-seconds'));
  await page.waitForSelector('[data-testid="lesson-status"][data-stage="finished"]', { timeout: 3_600_000 });
  const seconds = (Date.now() - t0) / 1000;
  console.log(JSON.stringify({ seconds: Math.round(seconds), estimateSeconds: Math.round(estimate), loadBefore: before, loadAfter: load(), pageErrors: app.pageErrors }));
} finally {
  await app.close();
}
