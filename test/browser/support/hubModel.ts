// A tiny random BART written in the Hugging Face Hub's layout ({hub}/{id}/resolve/main/{file}),
// with the project's test tokenizer, for browser tests that load a model through the app.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBartConfig } from '../../../src/shared/model/config';
import { randomWeights } from '../../../src/shared/model/randomWeights';
import { writeSafetensors, type WritableTensor } from '../../../src/shared/weights/safetensors';
import { launchApp, type AppUnderTest, type LaunchAppOptions } from './app';

const TOKENIZER = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/tokenizer');

/** Writes config.json (as given), model.safetensors (random, from `seed`) and the tokenizer; returns the folder. */
/** The random tiny BART most browser tests serve: d_model 16, one layer each side. */
export const TINY_BART_CONFIG = {
  model_type: 'bart', vocab_size: 600, d_model: 16, encoder_layers: 1, decoder_layers: 1,
  encoder_attention_heads: 2, decoder_attention_heads: 2, encoder_ffn_dim: 32, decoder_ffn_dim: 32, max_position_embeddings: 128,
};

export function writeHubModel(hub: string, id: string, config: Record<string, unknown>, seed: number): string {
  const dir = join(hub, id, 'resolve', 'main');
  mkdirSync(dir, { recursive: true });
  const tensors: Record<string, WritableTensor> = {};
  for (const [name, t] of randomWeights(parseBartConfig({ ...config, model_type: 'bart' }), { seed })) tensors[name] = t;
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(tensors));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  copyFileSync(join(TOKENIZER, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  copyFileSync(join(TOKENIZER, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
  return dir;
}

/**
 * The app with TINY_BART_CONFIG (seed 3) served in the Hub layout as "tiny/bart" at /hub, from a
 * temporary folder named after `test` that close() removes with the browser and the server.
 */
export async function launchWithTinyHub(test: string, opts: LaunchAppOptions = {}): Promise<AppUnderTest> {
  const work = mkdtempSync(join(tmpdir(), `intrinsic-lab-${test}-`));
  const remove = () => rmSync(work, { recursive: true, force: true });
  try {
    writeHubModel(join(work, 'hub'), 'tiny/bart', TINY_BART_CONFIG, 3);
    const app = await launchApp({ ...opts, mounts: { ...opts.mounts, '/hub': join(work, 'hub') } });
    return { ...app, close: async () => { try { await app.close(); } finally { remove(); } } };
  } catch (e) {
    remove();
    throw e;
  }
}
