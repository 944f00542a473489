// The paper authors' own PyTorch files in the tab (built app, Chromium): with a model of the
// fixtures' width (d_model 32) loaded, the Library imports the reference code's files from
// ../shared/fixtures/reference-artifacts: an MSF checkpoint (best-ckpt.pt, also saved through
// DataParallel and from a CUDA run), a soft prompt in the zip format and the same prompt in the
// legacy format. They become a projector and a prompt of the loaded model; a prompt of another
// width is refused with its shape. The projector then opens in Explore with the checkpoint's d_I.
// Skipped when ../shared is absent. Run after `npx vite build`.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_PROJECTOR } from '../../src/shared/embedded';
import { launchApp, type AppUnderTest } from './support/app';
import { writeHubModel } from './support/hubModel';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures/reference-artifacts');
const present = existsSync(join(FIXTURES, 'expected.json'));
if (!present) console.warn(`SKIPPING the .pt import journey: ${FIXTURES} is absent`);

// The fixtures' width; the rest is the test tokenizer's tiny BART.
const CONFIG = {
  model_type: 'bart', vocab_size: 600, d_model: 32, encoder_layers: 1, decoder_layers: 1,
  encoder_attention_heads: 2, decoder_attention_heads: 2, encoder_ffn_dim: 32, decoder_ffn_dim: 32, max_position_embeddings: 128,
};

async function nav(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: title, exact: true }).click();
  await expect.poll(() => page.textContent('#screen-title')).toBe(title);
}

describe.skipIf(!present)('PyTorch .pt files in the Library (built app in Chromium)', () => {
  let work: string;
  let app: AppUnderTest;
  let page: Page;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'intrinsic-lab-ui-torch-'));
    writeHubModel(join(work, 'hub'), 'tiny/bart32', CONFIG, 4);
    app = await launchApp({
      mounts: { '/hub': join(work, 'hub') },
      // Not this test's subject: Explore's own projector is absent from this build.
      routes: { [`/${EMBEDDED_PROJECTOR.path}`]: (_req, res) => void res.writeHead(404).end() },
    });
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('imports the reference checkpoints and prompts as a projector and a prompt of the loaded model, and opens the projector in Explore', async () => {
    // Without a model a .pt file cannot be converted (it does not say which model it belongs to).
    await app.open('library');
    await page.setInputFiles('[data-testid="library-import"]', [join(FIXTURES, 'prompt_weight', 'tiny-parity_16_13_best.pt')]);
    const report = page.locator('[data-testid="library-import-report"]');
    await expect.poll(() => report.textContent()).toMatch(/tiny-parity_16_13_best\.pt: load the model this file was trained with/);

    await app.loadHubModel('tiny/bart32');
    await nav(page, 'Library');
    const files = [
      join(FIXTURES, 'msf', 'best-ckpt.pt'),
      join(FIXTURES, 'prompt_weight', 'tiny-parity_16_13_best.pt'),
      join(FIXTURES, 'prompt_weight', 'glue-sst2_16_100_best.pt'),
    ];
    await page.setInputFiles('[data-testid="library-import"]', files);
    await expect.poll(() => report.locator('li').count(), { timeout: 60_000 }).toBe(3);
    const lines = await report.locator('li').allTextContents();
    expect(lines[0]).toMatch(/^best-ckpt\.pt: converted to a projector of hub:tiny\/bart32, stored as/);
    expect(lines[1]).toMatch(/^tiny-parity_16_13_best\.pt: converted to a prompt of hub:tiny\/bart32, stored as/);
    // Named once: the report line names the file, the message does not repeat it.
    expect(lines[2]).toMatch(/^glue-sst2_16_100_best\.pt: the prompt is \[100, 768\]: made for d_model 768, but hub:tiny\/bart32 has d_model 32/);

    // The DataParallel and CUDA-run checkpoints hold the same weights, the legacy prompt the same
    // tensor: each converts to the very file already stored.
    await page.setInputFiles('[data-testid="library-import"]', [
      join(FIXTURES, 'msf-dataparallel', 'best-ckpt.pt'), join(FIXTURES, 'msf-gpu-run', 'best-ckpt.pt'), join(FIXTURES, 'legacy', 'tiny-parity_16_13_best.pt'),
    ]);
    await expect.poll(() => report.textContent()).toContain('already in the library');
    const again = await report.locator('li').allTextContents();
    expect(again).toHaveLength(3);
    for (const l of again) expect(l).toMatch(/: converted to a (projector|prompt) of hub:tiny\/bart32, already in the library as/);

    const rows = page.locator('[data-testid="library-table"] tbody tr[data-key]');
    await expect.poll(() => page.getAttribute('[data-testid="library-table"]', 'data-rows').then(Number)).toBe(2);
    const kinds = (await rows.locator('td:nth-child(1)').allTextContents()).map((k) => k.trim()).sort();
    expect(kinds).toEqual(['projector', 'prompt']);
    const prompt = rows.filter({ has: page.locator('td:nth-child(1)', { hasText: /^prompt$/ }) });
    // The task comes from the reference's file name ({task}_{K}_{seed}_best.pt).
    expect(await prompt.textContent()).toContain('tiny-parity');

    // The checkpoint's projector opens in Explore: d_I 6 (the fixture's intrinsic_dim).
    const projector = rows.filter({ has: page.locator('td:nth-child(1)', { hasText: /^projector$/ }) });
    await projector.getByRole('link', { name: /in Explore/ }).click();
    await expect.poll(() => page.textContent('#screen-title')).toBe('Explore');
    await expect.poll(() => page.textContent('[data-testid="projector-dim"]'), { timeout: 30_000 }).toBe('6');
    expect(await page.textContent('[data-testid="projector-origin"]')).toContain('a projector from your Library');
    expect(app.pageErrors).toEqual([]);
  }, 300_000);
});
