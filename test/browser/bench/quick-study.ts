// A benchmark, not a test: the Run screen's quick study (embedded model, the "random" split's quick
// study) in Chromium on the built app, once per engine-worker count, each in a fresh profile, with
// the machine's load before and after. Compare figures only within one sitting.
//   npx vite build && npx tsx test/browser/bench/quick-study.ts --workers 1,2
import { loadavg } from 'node:os';
import { launchApp } from '../support/app';

const arg = process.argv.indexOf('--workers');
const counts = (arg > 0 ? process.argv[arg + 1]! : '1,2').split(',').map(Number);

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

for (const workers of counts) {
  const app = await launchApp();
  const page = app.page;
  try {
    await app.open('run');
    await page.getByRole('button', { name: 'Load the built-in model' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="run-model"]')?.textContent?.startsWith('embedded:'), null, { timeout: 300_000 });
    await page.getByTestId('study-workers-choice').selectOption(String(workers));
    await page.getByLabel(/Quick demo/).check();
    const quick = page.getByLabel(/Quick study of the “random” split/);
    if (!(await quick.isChecked())) await quick.check();
    const before = load();
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Start study' }).click();
    await page.waitForSelector('[data-testid="run-status"][data-status="done"]', { timeout: 3_600_000 });
    const seconds = (Date.now() - t0) / 1000;
    const backend = await page.textContent('[data-testid="run-backend"]');
    const trained = await page.$$eval('[data-testid="study-worker"]', (els) => els.map((e) => Number(e.getAttribute('data-computed'))));
    console.log(JSON.stringify({ workers, seconds: Math.round(seconds), backend, unitsPerWorker: trained, loadBefore: before, loadAfter: load(), pageErrors: app.pageErrors }));
  } finally {
    await app.close();
  }
}
