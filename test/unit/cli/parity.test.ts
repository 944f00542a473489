// The parity CLI end to end: the PyTorch fixture, a fixture of another BART shape, and bad input.
//
// Honest scope of the second fixture: PyTorch cannot run here, so its "reference" tensors are
// produced by our own implementation on the cpu backend and checked by the CLI on wasm. That shows
// the CLI takes every size from the files (d_model, heads, layers, P, d_I, AE hidden, greedy
// length) and that the two backends agree on a shape unlike the fixture's; it is not a second
// independent reference.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBartConfig } from '../../../src/shared/model/config';
import { randomWeights, randomNormal } from '../../../src/shared/model/randomWeights';
import { mulberry32 } from '../../../src/shared/random';
import { computeOutputs } from '../../../src/engine/parity';
import { type Tensor, writeSafetensors, type WritableTensor } from '../../../src/shared/weights/safetensors';
import { useNodeBackend } from '../../../src/node/backend';
import { FIXTURE_DIR, OTHER_CONFIG_JSON } from '../engine/model/support';

const ROOT = join(FIXTURE_DIR, '../../..');
const DECODING_DIR = join(ROOT, '../shared/fixtures/reference-decoding');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, ['src/cli/parity.ts', ...args], { cwd: ROOT, timeout: 230_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

function toWritable(m: ReadonlyMap<string, Tensor>): Record<string, WritableTensor> {
  return Object.fromEntries([...m].map(([k, t]) => [k, { dtype: t.dtype, shape: t.shape, data: t.data }]));
}

let otherDir: string;
beforeAll(async () => {
  await useNodeBackend('cpu');
  const config = parseBartConfig(OTHER_CONFIG_JSON);
  const weights = randomWeights(config, { seed: 21, std: 0.3 });
  const rand = mulberry32(5);
  const P = 4, dI = 3, hidden = 7, L = 7;
  const ids = (rows: number[][], T: number) => {
    const out = new Int32Array(rows.length * T).fill(config.padTokenId);
    rows.forEach((r, b) => r.forEach((x, t) => (out[b * T + t] = x)));
    return { dtype: 'I32' as const, shape: [rows.length, T], data: out };
  };
  const f32 = (shape: number[], std: number) => ({ dtype: 'F32' as const, shape, data: randomNormal(shape.reduce((a, b) => a * b, 1), std, rand) });
  const inputs = new Map<string, Tensor>([
    ['input_ids', ids([[0, 7, 8, 9, 10, 2], [0, 44, 2]], 6)],
    ['labels', ids([[0, 30, 31, 2], [0, 2]], 4)],
    ['decoder_input_ids', ids([[2, 0, 30, 31], [2, 0, 2]], 4)],
    ['prompt', f32([P, config.dModel], 0.5)],
    ['ae_W1', f32([dI, P * config.dModel], 0.05)], ['ae_b1', f32([dI], 0.05)],
    ['ae_W2', f32([hidden, dI], 0.3)], ['ae_b2', f32([hidden], 0.1)],
    ['ae_W3', f32([P * config.dModel, hidden], 0.3)], ['ae_b3', f32([P * config.dModel], 0.1)],
    ['intrinsic_vector', f32([dI], 0.02)],
  ]);
  const outputs = await computeOutputs(OTHER_CONFIG_JSON, weights, inputs, { greedyLength: L });
  expect(outputs.greedy_ids!.shape).toEqual([2, L]);
  expect(outputs.grad_ae_W3!.shape).toEqual([P * config.dModel, hidden]);
  otherDir = mkdtempSync(join(tmpdir(), 'parity-other-'));
  writeFileSync(join(otherDir, 'config.json'), JSON.stringify(OTHER_CONFIG_JSON));
  writeFileSync(join(otherDir, 'model.safetensors'), writeSafetensors(toWritable(weights)));
  const cases: Record<string, WritableTensor> = { ...toWritable(inputs) };
  for (const [k, t] of Object.entries(outputs)) cases[k] = { dtype: t.data instanceof Int32Array ? 'I32' : 'F32', shape: t.shape, data: t.data };
  writeFileSync(join(otherDir, 'cases.safetensors'), writeSafetensors(cases));
  expect(tf.memory().numTensors).toBe(0);
});

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const HAVE_SWIFTSHADER = existsSync(ICD);
if (!HAVE_SWIFTSHADER) console.warn(`SKIPPING the webgpu parity test: ${ICD} is absent (apt-get install chromium)`);

describe('npm run parity', () => {
  it.skipIf(!HAVE_SWIFTSHADER)('passes on the PyTorch fixture with webgpu in Node (Dawn on SwiftShader)', async () => {
    const r = await runCli([FIXTURE_DIR, '--backend', 'webgpu']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, { ok: boolean }>;
    expect(Object.keys(rows)).toHaveLength(14);
    expect(Object.values(rows).every((x) => x.ok)).toBe(true);
  }, 240_000);

  it('passes on the PyTorch fixture (cpu) and prints exactly one JSON object with every row', async () => {
    const r = await runCli([FIXTURE_DIR]);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, { ok: boolean; max_abs_err: number; max_rel_err: number }>;
    expect(Object.keys(rows)).toHaveLength(14);
    expect(Object.values(rows).every((x) => x.ok && typeof x.max_abs_err === 'number' && typeof x.max_rel_err === 'number')).toBe(true);
  });

  it.skipIf(!existsSync(DECODING_DIR))('checks the reference-decoding fixtures: one folder, or all at once with rows named by folder', async () => {
    const one = await runCli([join(DECODING_DIR, 'lively')]);
    expect(one.code, one.stderr).toBe(0);
    const rows = JSON.parse(one.stdout) as Record<string, { ok: boolean; max_abs_err: number }>;
    expect(Object.keys(rows).sort()).toEqual(['beam_hyp_ids', 'beam_hyp_lengths', 'beam_hyp_scores', 'beam_ids', 'beam_no_ngram_ids', 'beam_rowprompts_ids', 'greedy_ids', 'greedy_no_ngram_ids']);
    expect(Object.entries(rows).every(([k, x]) => x.ok && (k === 'beam_hyp_scores' || x.max_abs_err === 0))).toBe(true);
    const all = await runCli([DECODING_DIR]);
    expect(all.code, all.stderr).toBe(0);
    const both = Object.keys(JSON.parse(all.stdout) as object);
    expect(both).toContain('bart-parity/beam_ids');
    expect(both).toContain('lively/beam_rowprompts_ids');
    expect(both).toHaveLength(7 + 8);
  });

  it('checks a fixture of another BART shape on wasm against the cpu results', async () => {
    const r = await runCli([otherDir, '--backend', 'wasm']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, { ok: boolean; max_rel_err: number }>;
    expect(rows.logits!.max_rel_err).toBeLessThan(1e-5);
    expect(rows.greedy_ids!.ok).toBe(true);
  });

  it('exits 1 when a row is out of tolerance', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-off-'));
    copyFileSync(join(otherDir, 'config.json'), join(dir, 'config.json'));
    copyFileSync(join(otherDir, 'cases.safetensors'), join(dir, 'cases.safetensors'));
    const config = parseBartConfig(OTHER_CONFIG_JSON);
    writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(toWritable(randomWeights(config, { seed: 22, std: 0.3 }))));
    const r = await runCli([dir]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).logits.ok).toBe(false);
  });

  it('exits 2 with the tensor named when the checkpoint does not fit config.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-bad-'));
    copyFileSync(join(FIXTURE_DIR, 'config.json'), join(dir, 'config.json'));
    copyFileSync(join(FIXTURE_DIR, 'cases.safetensors'), join(dir, 'cases.safetensors'));
    copyFileSync(join(otherDir, 'model.safetensors'), join(dir, 'model.safetensors'));
    const r = await runCli([dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/model\.safetensors: tensor "model\.shared\.weight" has shape \[61,24\], expected \[97,32\]/);
  });

  it('exits 2 on a missing directory, a truncated or incomplete cases file, or an unknown backend', async () => {
    const missing = await runCli([join(tmpdir(), 'does-not-exist-parity')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*config\.json/);

    const dir = mkdtempSync(join(tmpdir(), 'parity-nocase-'));
    copyFileSync(join(FIXTURE_DIR, 'config.json'), join(dir, 'config.json'));
    copyFileSync(join(FIXTURE_DIR, 'model.safetensors'), join(dir, 'model.safetensors'));
    const cases = readFileSync(join(otherDir, 'cases.safetensors'));
    writeFileSync(join(dir, 'cases.safetensors'), cases.subarray(0, 20));
    const truncated = await runCli([dir]);
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toMatch(/cases\.safetensors/);

    const { ist_loss: _dropped, ...rest } = Object.fromEntries(
      [...(await import('../../../src/shared/weights/safetensors')).parseSafetensors(readFileSync(join(FIXTURE_DIR, 'cases.safetensors'))).tensors]
        .map(([k, t]) => [k, { dtype: t.dtype, shape: t.shape, data: t.data }]),
    ) as Record<string, WritableTensor>;
    void _dropped;
    writeFileSync(join(dir, 'cases.safetensors'), writeSafetensors(rest));
    const incomplete = await runCli([dir]);
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toMatch(/missing reference tensor "ist_loss"/);

    const backend = await runCli([FIXTURE_DIR, '--backend', 'tpu']);
    expect(backend.code).toBe(2);
    expect(backend.stderr).toMatch(/--backend must be cpu, wasm or webgpu/);
  });
});
