// The Model screen in Chromium on the built app: a tiny random BART served in the Hub's layout
// from a local server loads with a progress bar that reaches 100% and its config summary, loads
// again from the IndexedDB cache (no second download), generates text, names a missing model and
// a wrong architecture and NaN weights in an alert, loads from picked files, and empties the cache.
// Run after `npx vite build`.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_MODEL } from '../../src/shared/embedded';
import { parseBartConfig } from '../../src/shared/model/config';
import { randomWeights } from '../../src/shared/model/randomWeights';
import { writeSafetensors, type WritableTensor } from '../../src/shared/weights/safetensors';
import { DIST, launchApp, openUrl, RESULTS, type AppUnderTest } from './support/app';
import { writeHubModel } from './support/hubModel';
import { serveStatic, type StaticServer } from './support/server';

const CONFIG = {
  model_type: 'bart', vocab_size: 600, d_model: 16, encoder_layers: 1, decoder_layers: 2,
  encoder_attention_heads: 2, decoder_attention_heads: 2, encoder_ffn_dim: 32, decoder_ffn_dim: 24, max_position_embeddings: 64,
};
const FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

/** Expected parameter count of CONFIG: every tensor of the checkpoint (tied embeddings once). */
function paramCount(): number {
  let n = 0;
  for (const t of randomWeights(parseBartConfig(CONFIG)).values()) n += t.data.length;
  return n;
}

/**
 * A second "Hub" on another origin (CORS, as huggingface.co) that sends model.safetensors slowly,
 * 1 kB every 25 ms, so a download can be cancelled half way.
 */
async function serveSlowHub(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const file = /^\/slow\/bart\/resolve\/main\/([\w.]+)$/.exec(req.url ?? '')?.[1];
    const headers = { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' };
    if (!file || !existsSync(join(dir, file))) return void res.writeHead(404, headers).end();
    const body = readFileSync(join(dir, file));
    res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
    if (file !== 'model.safetensors') return void res.end(body);
    // All but the last kilobyte of the weights, then nothing until the client hangs up: the
    // download is still running whenever the test gets to Cancel, however loaded the machine (it
    // once finished first).
    let off = 0;
    const half = body.length - 1024;
    const timer = setInterval(() => {
      if (res.destroyed || off >= half) {
        clearInterval(timer);
        return;
      }
      res.write(body.subarray(off, Math.min(half, off + 1024)));
      off += 1024;
    }, 25);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

describe('Model screen (built app in Chromium)', () => {
  let work: string;
  let modelDir: string;
  let app: AppUnderTest;
  let server: StaticServer;
  let page: Page;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'intrinsic-lab-ui-model-'));
    modelDir = writeHubModel(join(work, 'hub'), 'tiny/bart', CONFIG, 5);
    // Same files, but config.json says T5: the app must refuse it by name.
    const t5 = writeHubModel(join(work, 'hub'), 'tiny/t5', CONFIG, 5);
    writeFileSync(join(t5, 'config.json'), JSON.stringify({ ...CONFIG, model_type: 't5' }));
    // BART, but config.json does not describe these weights (d_model 32 vs 16).
    const wrong = writeHubModel(join(work, 'hub'), 'tiny/mismatch', CONFIG, 5);
    writeFileSync(join(wrong, 'config.json'), JSON.stringify({ ...CONFIG, d_model: 32 }));
    // BART whose weights hold a NaN: refused at load, naming the tensor.
    const nan = writeHubModel(join(work, 'hub'), 'tiny/nan', CONFIG, 5);
    const poisoned: Record<string, WritableTensor> = {};
    for (const [name, t] of randomWeights(parseBartConfig(CONFIG), { seed: 5 })) poisoned[name] = t;
    const fc1 = poisoned['model.encoder.layers.0.fc1.weight']!;
    poisoned['model.encoder.layers.0.fc1.weight'] = { ...fc1, data: Float32Array.from(fc1.data, (x, i) => (i === 7 ? Number.NaN : x)) };
    writeFileSync(join(nan, 'model.safetensors'), writeSafetensors(poisoned));
    app = await launchApp({ mounts: { '/hub': join(work, 'hub') } });
    ({ server, page } = app);
  });

  afterAll(async () => {
    await app?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function loadFromHub(id: string, opts: { keyboard?: boolean } = {}): Promise<void> {
    await page.getByLabel('Hugging Face Hub').check();
    await page.getByLabel('Hub address').fill(`${server.url}/hub`);
    await page.getByLabel('Model id').fill(id);
    // Enter in a field submits the form, as a keyboard user expects.
    if (opts.keyboard) await page.getByLabel('Model id').press('Enter');
    else await page.getByRole('button', { name: 'Load model' }).click();
  }

  async function waitForStatus(status: 'ready' | 'error'): Promise<void> {
    await page.waitForSelector(`[data-testid="model-status"][data-status="${status}"]`, { timeout: 120_000 });
  }

  it('says when the embedded model is not available yet', async () => {
    // A build without models/ (an empty folder mounted over it), whether or not this one ships it.
    const bare = await serveStatic({ '/': DIST, '/models': join(work, 'no-models') });
    mkdirSync(join(work, 'no-models'), { recursive: true });
    try {
      await openUrl(page, `${bare.url}/#/model`);
      await page.getByLabel(/Embedded default/).check();
      await expect.poll(() => page.textContent('[data-testid="embedded-state"]'), { timeout: 30_000 }).toMatch(/not available yet/);
      expect(await page.getByRole('button', { name: 'Load model' }).isDisabled()).toBe(true);
    } finally {
      await bare.close();
    }
  });

  it('loads a Hub model with progress to 100% and its config summary, then again from the cache', async () => {
    await app.open('model');
    await loadFromHub('tiny/bart');
    await waitForStatus('ready');
    expect(await page.getAttribute('[data-testid="model-progress"]', 'data-percent')).toBe('100');
    expect(await page.textContent('[data-testid="model-id"]')).toBe('hub:tiny/bart');
    const config = await page.locator('[data-testid="model-config"] tbody').innerText();
    expect(config).toContain('1 / 2');
    expect(config).toMatch(/d_model\s+16/);
    expect(config).toMatch(/Vocabulary\s+600/);
    expect(config).toContain(`(${paramCount()})`);
    expect(await page.getAttribute('[data-testid="model-from-cache"]', 'data-files')).toBe('0');
    // The cache holds exactly the four files just downloaded.
    const bytes = FILES.reduce((s, f) => s + statSync(join(modelDir, f)).size, 0);
    await expect.poll(() => page.getAttribute('[data-testid="cache-total"]', 'data-bytes')).toBe(String(bytes));
    expect(await page.locator('[data-testid="cache-table"] tbody tr').count()).toBe(4);
    await page.screenshot({ path: join(RESULTS, 'ui-model-loaded.png'), fullPage: true });

    // "Try the model": the random model's output is whatever it is, but it must come back.
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.textContent('[data-testid="try-output"]'), { timeout: 60_000 }).toMatch(/Output: .* ms on wasm/);

    await page.reload();
    await loadFromHub('tiny/bart');
    await waitForStatus('ready');
    expect(await page.getAttribute('[data-testid="model-from-cache"]', 'data-files')).toBe('4');
    expect(await page.textContent('[data-testid="model-from-cache"]')).toContain('Loaded from cache');
    expect(server.hits.get('/hub/tiny/bart/resolve/main/model.safetensors')).toBe(1);

    // With "check for changed files", a file whose size changed on the server is downloaded again.
    const tokenizerConfig = join(modelDir, 'tokenizer_config.json');
    writeFileSync(tokenizerConfig, `${readFileSync(tokenizerConfig, 'utf8')}\n`);
    await page.getByLabel(/Check the Hub for changed files/).check();
    await page.getByRole('button', { name: 'Load model' }).click();
    await waitForStatus('ready');
    expect(await page.textContent('[data-testid="model-from-cache"]')).toContain('Loaded from cache (config.json, tokenizer.json, model.safetensors)');
    // One GET, then one HEAD for the check; the weights were not downloaded again.
    expect(server.hits.get('/hub/tiny/bart/resolve/main/model.safetensors')).toBe(2);
    expect(server.hits.get('/hub/tiny/bart/resolve/main/tokenizer_config.json')).toBe(3);
  });

  it('shows a clear error for a missing model and for a model that is not BART', async () => {
    await loadFromHub('nobody/no-such-model', { keyboard: true });
    await waitForStatus('error');
    const alert = page.getByRole('alert').filter({ hasText: 'Could not load' });
    expect(await alert.getAttribute('data-code')).toBe('NOT_FOUND');
    expect(await alert.textContent()).toContain(`${server.url}/hub/nobody/no-such-model/resolve/main/config.json: not found (HTTP 404)`);

    await loadFromHub('tiny/t5');
    await waitForStatus('error');
    expect(await alert.getAttribute('data-code')).toBe('BAD_MODEL');
    expect(await alert.textContent()).toContain('model_type is "t5"');

    await loadFromHub('tiny/mismatch');
    await expect.poll(() => alert.textContent(), { timeout: 60_000 }).toContain('tiny/mismatch');
    expect(await alert.getAttribute('data-code')).toBe('BAD_MODEL');
    // The checkpoint check names a tensor and both shapes.
    expect(await alert.textContent()).toMatch(/model\.shared\.weight.*\[600, ?16\].*\[600, ?32\]|model\.shared\.weight.*\[600, ?32\].*\[600, ?16\]/s);
    await page.screenshot({ path: join(RESULTS, 'ui-model-error.png'), fullPage: true });
  });

  it('refuses a Hub address outside the fetch rule, naming the rule, and loads nothing', async () => {
    await app.open('model');
    await page.getByLabel('Hugging Face Hub').check();
    await page.getByLabel('Model id').fill('tiny/bart');
    const hubHits = () => [...server.hits].filter(([path]) => path.startsWith('/hub/')).reduce((a, [, n]) => a + n, 0);
    const before = hubHits();
    for (const [base, got] of [['data:application/json,{}', 'data:'], ['http://192.0.2.1/hub', 'http://192.0.2.1'], ['file:///etc', 'file:']] as const) {
      await page.getByLabel('Hub address').fill(base);
      await expect.poll(() => page.textContent('[data-testid="hub-base-problem"]')).toBe(
        `Hub address: only https URLs are fetched (plain http only from localhost, 127.0.0.1 or [::1], for development); got ${got}.`,
      );
      expect(await page.getByRole('button', { name: 'Load model' }).isDisabled()).toBe(true);
      await page.getByLabel('Model id').press('Enter');
    }
    expect(hubHits()).toBe(before);
    await page.getByLabel('Hub address').fill(`${server.url}/hub`);
    await expect.poll(() => page.getByTestId('hub-base-problem').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Load model' }).isDisabled()).toBe(false);
  });

  it('refuses weights holding a NaN, naming the tensor (they loaded as ready before)', async () => {
    await loadFromHub('tiny/nan');
    await waitForStatus('error');
    const alert = page.getByRole('alert').filter({ hasText: 'Could not load' });
    expect(await alert.getAttribute('data-code')).toBe('BAD_MODEL');
    expect(await alert.textContent()).toContain('tensor "model.encoder.layers.0.fc1.weight" holds NaN at flat index 7');
  });

  it('loads picked local files (not cached)', async () => {
    await page.getByLabel('Local files').check();
    // A missing required file is named before anything is sent.
    await page.getByLabel('Model files').setInputFiles([join(modelDir, 'config.json')]);
    expect(await page.textContent('#files-help')).toContain('Still missing: model.safetensors, tokenizer.json.');
    expect(await page.getByRole('button', { name: 'Load model' }).isDisabled()).toBe(true);
    await page.getByLabel('Model files').setInputFiles(FILES.slice(0, 3).map((f) => join(modelDir, f)));
    await page.getByRole('button', { name: 'Load model' }).click();
    await waitForStatus('ready');
    expect(await page.textContent('[data-testid="model-id"]')).toMatch(/^files:model\.safetensors:[0-9a-f]{16}$/);
    expect(await page.getAttribute('[data-testid="model-progress"]', 'data-percent')).toBe('100');
  });

  it('cancels a download half way: the previous model stays loaded and nothing half-written is cached', async () => {
    const slow = await serveSlowHub(modelDir);
    try {
      const before = await page.textContent('[data-testid="model-id"]');
      await page.getByLabel('Hugging Face Hub').check();
      await page.getByLabel('Model id').fill('slow/bart');
      await page.getByLabel('Hub address').fill(slow.url);
      await page.getByRole('button', { name: 'Load model' }).click();
      // Wait for the bar to move (size and speed shown), then cancel.
      await expect.poll(() => page.textContent('[data-testid="model-progress"]'), { timeout: 30_000 }).toMatch(/Downloading model\.safetensors/);
      await expect.poll(async () => Number(await page.getAttribute('[data-testid="model-progress"]', 'data-percent')), { timeout: 30_000 }).toBeGreaterThan(0);
      expect(await page.textContent('[data-testid="model-progress-detail"]')).toMatch(/kB of \d+ kB/);
      await page.screenshot({ path: join(RESULTS, 'ui-model-downloading.png'), fullPage: true });
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.waitForSelector('[data-testid="model-status"][data-status="cancelled"]', { timeout: 30_000 });
      expect(await page.textContent('[data-testid="model-status"]')).toContain('The load was cancelled.');
      expect(await page.textContent('[data-testid="model-id"]')).toBe(before);
      const cached = await page.locator('[data-testid="cache-table"] tbody tr').allTextContents();
      const fromSlow = cached.filter((row) => row.includes(slow.url));
      expect(fromSlow.length).toBe(3);
      expect(fromSlow.some((row) => row.includes('model.safetensors'))).toBe(false);
    } finally {
      await slow.close();
    }
  });

  it('deletes one cached file, then the whole cache, and the size goes to 0', async () => {
    const before = Number(await page.getAttribute('[data-testid="cache-total"]', 'data-bytes'));
    expect(before).toBeGreaterThan(0);
    // The T5 model's config.json is cached too: it was a valid download, only not a BART config.
    const rowsBefore = await page.locator('[data-testid="cache-table"] tbody tr').count();
    await page.getByRole('button', { name: `Delete config.json of ${server.url}/hub/tiny/bart/resolve/main/` }).click();
    await expect.poll(() => page.locator('[data-testid="cache-table"] tbody tr').count()).toBe(rowsBefore - 1);
    const configSize = statSync(join(modelDir, 'config.json')).size;
    expect(Number(await page.getAttribute('[data-testid="cache-total"]', 'data-bytes'))).toBe(before - configSize);

    await page.getByRole('button', { name: 'Delete all cached models' }).click();
    await page.getByRole('button', { name: 'Yes, delete all' }).click();
    await expect.poll(() => page.getAttribute('[data-testid="cache-total"]', 'data-bytes')).toBe('0');
    expect(await page.textContent('[data-testid="cache-table"]')).toContain('The cache is empty.');
    // The persistence status is shown (Chromium answers persisted() with a boolean).
    expect(['true', 'false']).toContain(await page.getAttribute('[data-testid="persistence"]', 'data-persisted'));
    await page.screenshot({ path: join(RESULTS, 'ui-model-cache-empty.png'), fullPage: true });
    expect(app.pageErrors).toEqual([]);
  });

  // Last: it fills the shared cache, which the tests above count exactly.
  it('loads the embedded default model that ships in public/models', async () => {
    const shipped = join(DIST, 'models', EMBEDDED_MODEL, 'config.json');
    if (!existsSync(shipped)) {
      console.warn(`SKIPPED: ${shipped} is not in this build, so the embedded model cannot be loaded`);
      return;
    }
    await app.open('model');
    await page.getByLabel(/Embedded default/).check();
    await page.getByRole('button', { name: 'Load model' }).click();
    await waitForStatus('ready');
    expect(await page.textContent('[data-testid="model-id"]')).toBe(`embedded:${EMBEDDED_MODEL}`);
    const config = JSON.parse(readFileSync(shipped, 'utf8')) as { d_model: number };
    expect(await page.locator('[data-testid="model-config"] tbody').innerText()).toMatch(new RegExp(`d_model\\s+${config.d_model}`));
  });
});
